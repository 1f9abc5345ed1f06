package alblog

import (
	"strconv"
	"time"
)

// AppendEntry appends e to dst as one access log line in the current AWS format
// (all 30 documented fields, then Extra if set), followed by a newline. Empty
// fields are written as "-"; quoted fields are escaped so the line always parses.
// Processing times use millisecond precision like ALB; Missing is written as -1.
func AppendEntry(dst []byte, e *Entry) []byte {
	dst = appendRaw(dst, e.Type)
	dst = append(dst, ' ')
	dst = AppendTime(dst, e.Time)
	dst = append(dst, ' ')
	dst = appendRaw(dst, e.ELB)
	dst = append(dst, ' ')
	dst = appendRaw(dst, e.Client)
	dst = append(dst, ' ')
	dst = appendRaw(dst, e.Target)
	for _, t := range [...]int64{e.RequestProcessingTime, e.TargetProcessingTime, e.ResponseProcessingTime} {
		dst = append(dst, ' ')
		dst = appendSeconds(dst, t)
	}
	for _, s := range [...]int{e.ELBStatusCode, e.TargetStatusCode} {
		dst = append(dst, ' ')
		if s == Missing || s == 0 {
			dst = append(dst, '-')
		} else {
			dst = strconv.AppendInt(dst, int64(s), 10)
		}
	}
	dst = append(dst, ' ')
	dst = strconv.AppendInt(dst, e.ReceivedBytes, 10)
	dst = append(dst, ' ')
	dst = strconv.AppendInt(dst, e.SentBytes, 10)

	rest := [...]struct {
		v []byte
		q bool
	}{
		{e.Request, true}, {e.UserAgent, true}, {e.SSLCipher, false}, {e.SSLProtocol, false},
		{e.TargetGroupARN, false}, {e.TraceID, true}, {e.DomainName, true}, {e.ChosenCertARN, true},
		{e.MatchedRulePriority, false},
	}
	for _, f := range rest {
		dst = append(dst, ' ')
		dst = appendField(dst, f.v, f.q)
	}
	dst = append(dst, ' ')
	if e.RequestCreationTime == 0 {
		dst = append(dst, '-')
	} else {
		dst = AppendTime(dst, e.RequestCreationTime)
	}
	tail := [...]struct {
		v []byte
		q bool
	}{
		{e.ActionsExecuted, true}, {e.RedirectURL, true}, {e.ErrorReason, true},
		{e.TargetPortList, true}, {e.TargetStatusCodeList, true}, {e.Classification, true},
		{e.ClassificationReason, true}, {e.ConnTraceID, false},
	}
	for _, f := range tail {
		dst = append(dst, ' ')
		dst = appendField(dst, f.v, f.q)
	}
	if len(e.Extra) > 0 {
		dst = append(dst, ' ')
		dst = append(dst, e.Extra...)
	}
	return append(dst, '\n')
}

// AppendTime appends microseconds since the epoch as 2006-01-02T15:04:05.000000Z.
func AppendTime(dst []byte, micros int64) []byte {
	return time.UnixMicro(micros).UTC().AppendFormat(dst, "2006-01-02T15:04:05.000000Z")
}

func appendSeconds(dst []byte, micros int64) []byte {
	if micros < 0 {
		return append(dst, '-', '1')
	}
	ms := (micros + 500) / 1000
	dst = strconv.AppendInt(dst, ms/1000, 10)
	dst = append(dst, '.')
	frac := ms % 1000
	dst = append(dst, byte('0'+frac/100), byte('0'+frac/10%10), byte('0'+frac%10))
	return dst
}

// appendRaw writes an unquoted field; spaces and control bytes would break the
// line apart, so they are replaced.
func appendRaw(dst, v []byte) []byte {
	if len(v) == 0 {
		return append(dst, '-')
	}
	for _, c := range v {
		if c <= ' ' || c == 0x7f || c == '"' {
			c = '_'
		}
		dst = append(dst, c)
	}
	return dst
}

func appendField(dst, v []byte, q bool) []byte {
	if !q {
		return appendRaw(dst, v)
	}
	dst = append(dst, '"')
	if len(v) == 0 {
		dst = append(dst, '-')
	}
	for _, c := range v {
		switch {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c < ' ' || c == 0x7f:
			dst = append(dst, '\\', 'x', "0123456789abcdef"[c>>4], "0123456789abcdef"[c&15])
		default:
			dst = append(dst, c)
		}
	}
	return append(dst, '"')
}
