package alblog

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// FieldError describes why one field of a line could not be parsed.
type FieldError struct {
	Field  int    // 1-based field number; 0 when the problem is the line as a whole
	Column int    // 1-based byte column where the field starts
	Value  string // the offending text, shortened
	Err    error
}

func (e *FieldError) Error() string {
	if e.Field == 0 {
		return e.Err.Error()
	}
	if e.Value == "" {
		return fmt.Sprintf("field %d (%s), column %d: %v", e.Field, FieldName(e.Field), e.Column, e.Err)
	}
	// %q escapes control characters: log content never reaches a terminal raw.
	return fmt.Sprintf("field %d (%s), column %d: %v: %q", e.Field, FieldName(e.Field), e.Column, e.Err, e.Value)
}

func (e *FieldError) Unwrap() error { return e.Err }

// ParseError is a FieldError located in a file, like encoding/csv's ParseError.
type ParseError struct {
	File string
	Line int64
	Err  error
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err)
}

func (e *ParseError) Unwrap() error { return e.Err }

// Errors a line can produce.
var (
	ErrTooFewFields = errors.New("too few fields")
	ErrUnterminated = errors.New("unterminated quoted field")
	ErrBadQuote     = errors.New("quoted field not followed by a space")
	ErrBadTime      = errors.New("invalid timestamp")
	ErrBadNumber    = errors.New("invalid number")
	ErrBadStatus    = errors.New("invalid status code")
	ErrBadType      = errors.New("invalid entry type")
	ErrBadAddress   = errors.New("invalid address")
	ErrNotQuoted    = errors.New("field must be quoted")
	ErrClassicELB   = errors.New("this looks like a Classic Load Balancer log line, which has a different format")
)

// Parse parses one log line (without its line terminator) into e. It does not
// allocate when the line is valid; e's byte slices point into line.
func Parse(line []byte, e *Entry) error {
	*e = Entry{}
	line = bytes.TrimRight(line, " \t\r")
	pos := 0
	n := 0
	for n < NumFields {
		pos = skipSpaces(line, pos)
		if pos >= len(line) {
			break
		}
		start := pos
		var tok []byte
		wasQuoted := line[pos] == '"'
		if wasQuoted {
			end, err := closingQuote(line, pos+1)
			if err != nil {
				return &FieldError{Field: n + 1, Column: start + 1, Value: short(line[start:]), Err: err}
			}
			tok = line[pos+1 : end]
			pos = end + 1
			if pos < len(line) && line[pos] != ' ' {
				return &FieldError{Field: n + 1, Column: start + 1, Value: short(line[start:]), Err: ErrBadQuote}
			}
		} else {
			end := bytes.IndexByte(line[pos:], ' ')
			if end < 0 {
				end = len(line) - pos
			}
			tok = line[pos : pos+end]
			pos += end
		}
		n++
		if err := e.set(n, tok, wasQuoted); err != nil {
			return &FieldError{Field: n, Column: start + 1, Value: short(tok), Err: err}
		}
	}
	if n < MinFields {
		if n == 0 {
			return &FieldError{Err: errors.New("empty line")}
		}
		return &FieldError{Field: n + 1, Column: len(line) + 1, Err: fmt.Errorf("%w: got %d, need at least %d", ErrTooFewFields, n, MinFields)}
	}
	e.Fields = n
	if rest := skipSpaces(line, pos); rest < len(line) {
		e.Extra = line[rest:]
		e.Fields += countFields(e.Extra)
	}
	return nil
}

// set stores token tok as field n.
func (e *Entry) set(n int, tok []byte, wasQuoted bool) error {
	var err error
	switch n {
	case FieldType:
		if len(tok) > 0 && tok[0] >= '0' && tok[0] <= '9' {
			return ErrClassicELB
		}
		if !isWord(tok) {
			return ErrBadType
		}
		e.Type = tok
	case FieldTime:
		e.Time, err = ParseTime(tok)
	case FieldELB:
		e.ELB = tok
	case FieldClient:
		if !hasPort(tok) {
			return ErrBadAddress
		}
		e.Client = tok
	case FieldTarget:
		if !Absent(tok) && !hasPort(tok) {
			return ErrBadAddress
		}
		e.Target = tok
	case FieldRequestProcessingTime:
		e.RequestProcessingTime, err = parseSeconds(tok)
	case FieldTargetProcessingTime:
		e.TargetProcessingTime, err = parseSeconds(tok)
	case FieldResponseProcessingTime:
		e.ResponseProcessingTime, err = parseSeconds(tok)
	case FieldELBStatusCode:
		e.ELBStatusCode, err = parseStatus(tok)
	case FieldTargetStatusCode:
		e.TargetStatusCode, err = parseStatus(tok)
	case FieldReceivedBytes:
		e.ReceivedBytes, err = parseCount(tok)
	case FieldSentBytes:
		e.SentBytes, err = parseCount(tok)
	case FieldRequest:
		if !wasQuoted {
			return ErrNotQuoted
		}
		e.Request = tok
	case FieldUserAgent:
		e.UserAgent = tok
	case FieldSSLCipher:
		e.SSLCipher = tok
	case FieldSSLProtocol:
		e.SSLProtocol = tok
	case FieldTargetGroupARN:
		e.TargetGroupARN = tok
	case FieldTraceID:
		e.TraceID = tok
	case FieldDomainName:
		e.DomainName = tok
	case FieldChosenCertARN:
		e.ChosenCertARN = tok
	case FieldMatchedRulePriority:
		e.MatchedRulePriority = tok
	case FieldRequestCreationTime:
		if !Absent(tok) {
			e.RequestCreationTime, err = ParseTime(tok)
		}
	case FieldActionsExecuted:
		e.ActionsExecuted = tok
	case FieldRedirectURL:
		e.RedirectURL = tok
	case FieldErrorReason:
		e.ErrorReason = tok
	case FieldTargetPortList:
		e.TargetPortList = tok
	case FieldTargetStatusCodeList:
		e.TargetStatusCodeList = tok
	case FieldClassification:
		e.Classification = tok
	case FieldClassificationReason:
		e.ClassificationReason = tok
	case FieldConnTraceID:
		e.ConnTraceID = tok
	}
	return err
}

func skipSpaces(line []byte, pos int) int {
	for pos < len(line) && line[pos] == ' ' {
		pos++
	}
	return pos
}

// closingQuote returns the index of the quote that ends a quoted field whose
// content starts at i. A backslash escapes the next byte.
func closingQuote(line []byte, i int) (int, error) {
	start := i
	for i < len(line) {
		// IndexByte is vectorised; escapes are rare, so look for the quote
		// and then check whether an odd run of backslashes escapes it.
		j := bytes.IndexByte(line[i:], '"')
		if j < 0 {
			break
		}
		q := i + j
		k := q
		for k > start && line[k-1] == '\\' {
			k--
		}
		if (q-k)%2 == 0 {
			return q, nil
		}
		i = q + 1
	}
	return 0, ErrUnterminated
}

// countFields counts the space-separated (quote-aware) fields in b.
func countFields(b []byte) int {
	n := 0
	for pos := skipSpaces(b, 0); pos < len(b); pos = skipSpaces(b, pos) {
		n++
		if b[pos] == '"' {
			end, err := closingQuote(b, pos+1)
			if err != nil {
				return n
			}
			pos = end + 1
			continue
		}
		end := bytes.IndexByte(b[pos:], ' ')
		if end < 0 {
			return n
		}
		pos += end
	}
	return n
}

func isWord(b []byte) bool {
	if len(b) == 0 || len(b) > 16 {
		return false
	}
	for _, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// hasPort reports whether b looks like host:port (IPv6 hosts contain colons too).
func hasPort(b []byte) bool {
	i := bytes.LastIndexByte(b, ':')
	if i <= 0 || i == len(b)-1 {
		return false
	}
	for _, c := range b[i+1:] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// parseSeconds parses a decimal number of seconds into microseconds. Negative
// values ("-1") mean the time is not available.
func parseSeconds(b []byte) (int64, error) {
	if len(b) == 0 {
		return 0, ErrBadNumber
	}
	if b[0] == '-' {
		if len(b) > 1 && b[1] >= '0' && b[1] <= '9' {
			return Missing, nil
		}
		return 0, ErrBadNumber
	}
	var whole, frac int64
	i := 0
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		if whole > 1e12 {
			return 0, ErrBadNumber
		}
		whole = whole*10 + int64(b[i]-'0')
	}
	if i == 0 {
		return 0, ErrBadNumber
	}
	scale := int64(1e6)
	if i < len(b) {
		if b[i] != '.' {
			return 0, ErrBadNumber
		}
		for i++; i < len(b); i++ {
			c := b[i]
			if c < '0' || c > '9' {
				return 0, ErrBadNumber
			}
			if scale > 1 {
				scale /= 10
				frac += int64(c-'0') * scale
			}
		}
	}
	return whole*1e6 + frac, nil
}

func parseStatus(b []byte) (int, error) {
	if Absent(b) {
		return Missing, nil
	}
	if len(b) != 3 {
		return 0, ErrBadStatus
	}
	v := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, ErrBadStatus
		}
		v = v*10 + int(c-'0')
	}
	if v < 100 {
		return 0, ErrBadStatus
	}
	return v, nil
}

func parseCount(b []byte) (int64, error) {
	if Absent(b) {
		return 0, nil
	}
	if len(b) > 18 {
		return 0, ErrBadNumber
	}
	var v int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, ErrBadNumber
		}
		v = v*10 + int64(c-'0')
	}
	return v, nil
}

// ParseTime parses an ALB timestamp such as 2018-07-02T22:23:00.186641Z into
// microseconds since the Unix epoch. Other RFC 3339 forms are accepted on a
// slower path.
func ParseTime(b []byte) (int64, error) {
	// Fast path: YYYY-MM-DDTHH:MM:SS[.ffffff]Z
	if len(b) >= 20 && b[4] == '-' && b[7] == '-' && b[10] == 'T' && b[13] == ':' && b[16] == ':' && b[len(b)-1] == 'Z' {
		y, ok1 := digits(b[0:4])
		mo, ok2 := digits(b[5:7])
		d, ok3 := digits(b[8:10])
		h, ok4 := digits(b[11:13])
		mi, ok5 := digits(b[14:16])
		s, ok6 := digits(b[17:19])
		if ok1 && ok2 && ok3 && ok4 && ok5 && ok6 && y >= 1970 && mo >= 1 && mo <= 12 && d >= 1 && d <= daysIn(y, mo) && h < 24 && mi < 60 && s < 61 {
			var micros int64
			rest := b[19 : len(b)-1]
			if len(rest) > 0 {
				if rest[0] != '.' || len(rest) == 1 {
					return 0, ErrBadTime
				}
				scale := int64(1e6)
				for _, c := range rest[1:] {
					if c < '0' || c > '9' {
						return 0, ErrBadTime
					}
					if scale > 1 {
						scale /= 10
						micros += int64(c-'0') * scale
					}
				}
			}
			days := daysFromCivil(y, mo, d)
			return ((days*24+int64(h))*60+int64(mi))*60*1e6 + int64(s)*1e6 + micros, nil
		}
	}
	t, err := time.Parse(time.RFC3339Nano, string(b))
	if err != nil {
		return 0, ErrBadTime
	}
	return t.UnixMicro(), nil
}

func digits(b []byte) (int, bool) {
	v := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	return v, true
}

func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// daysFromCivil converts a proleptic Gregorian date to days since 1970-01-01
// (Howard Hinnant's algorithm), avoiding time.Date on the hot path.
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era*146097 + doe - 719468)
}

func short(b []byte) string {
	const max = 60
	if len(b) > max {
		return string(b[:max]) + "..."
	}
	return string(b)
}

// Unquote returns the text of a quoted field with its backslash escapes (\" \\
// \xHH and the usual C escapes) decoded. Invalid escapes are kept as written.
func Unquote(b []byte) string {
	if bytes.IndexByte(b, '\\') < 0 {
		return string(b)
	}
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c != '\\' || i+1 >= len(b) {
			out = append(out, c)
			continue
		}
		i++
		switch b[i] {
		case 'n':
			out = append(out, '\n')
		case 't':
			out = append(out, '\t')
		case 'r':
			out = append(out, '\r')
		case 'x':
			if i+2 < len(b) {
				if v, err := strconv.ParseUint(string(b[i+1:i+3]), 16, 8); err == nil {
					out = append(out, byte(v))
					i += 2
					continue
				}
			}
			out = append(out, '\\', 'x')
		default:
			out = append(out, b[i])
		}
	}
	return string(out)
}
