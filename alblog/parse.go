package alblog

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
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
	// ErrConnectionLog and ErrNLBLog name the other logs a load balancer
	// writes, which people point lbdoctor at by mistake.
	ErrConnectionLog = errors.New("this is an ALB connection log line (timestamp, client IP, client port, listener port, TLS ...), not an access log line: lbdoctor reads access logs")
	ErrNLBLog        = errors.New("this is a Network Load Balancer access log line (type tls, log version 2.0), not an Application Load Balancer one")
)

// Parse parses one log line (without its line terminator) into e. It does not
// allocate when the line is valid; e's byte slices point into line. A Parser
// does the same with less work per line.
func Parse(line []byte, e *Entry) error {
	var p Parser
	return p.Parse(line, e)
}

// Parser parses lines like Parse, reusing its scratch space from one line to
// the next. The zero value is ready to use; a Parser is not safe for
// concurrent use.
//
// It works in two steps: find where each field is (fields), then convert
// them (fill). Where the CPU allows, the first step finds every space and
// quote of the line at once (structural.go); lines it does not handle take
// the general scan, which gives the same result.
type Parser struct {
	f fields
	b structure
	// clocks parse time and request_creation_time, each of which is mostly
	// in the same minute as on the line before.
	clocks [2]clock
	// tail is the line whose fields Complete is still to set, if any.
	tail []byte
}

// Parse parses line into e, as the function Parse does.
func (p *Parser) Parse(line []byte, e *Entry) error {
	if err := p.parse(line, e, true); err != nil {
		return err
	}
	p.Complete(e)
	return nil
}

// ParseHead parses line into e as Parse does, and checks it as fully, but
// leaves for Complete the fields that only say more about a request: those
// after sent_bytes other than request, target_group_arn and
// request_creation_time. Until Complete they hold what an earlier line left
// there. A success needs none of them to be counted, and not locating them
// saves about a third of the parsing.
func (p *Parser) ParseHead(line []byte, e *Entry) error { return p.parse(line, e, true) }

// Complete sets the fields ParseHead left out, for the line it parsed last
// (which must not have changed since). It does nothing if there are none.
func (p *Parser) Complete(e *Entry) {
	if p.tail != nil {
		p.f.tailSeps(&p.b)
		e.fillTail(p.tail, &p.f)
		p.tail = nil
	}
}

// parse is ParseHead; with fast false it takes the general path throughout,
// which the tests compare the fast path with.
func (p *Parser) parse(line []byte, e *Entry, fast bool) error {
	line = trimRight(line)
	f := &p.f
	p.tail = nil
	if !fast || !f.scanFast(line, &p.b) {
		f.scan(line)
	}
	if err := e.fill(line, f, &p.b, fast, &p.clocks); err != nil {
		return err
	}
	if f.lazy {
		p.tail = line
	}
	return nil
}

// trimRight drops trailing spaces, tabs and carriage returns (CRLF files).
func trimRight(line []byte) []byte {
	for len(line) > 0 {
		switch line[len(line)-1] {
		case ' ', '\t', '\r':
			line = line[:len(line)-1]
		default:
			return line
		}
	}
	return line
}

// fields locates the fields of a line: field i+1 is line[start[i]:end[i]],
// inside the quotes of a quoted field.
type fields struct {
	n          int // fields located, at most NumFields
	start, end [NumFields]int
	quoted     uint32 // bit i is set when field i+1 was quoted
	rest       int    // where the text after the last located field starts
	// err, if set, is why field n+1 could not be located; fill reports it
	// after the fields before it, as a left-to-right reading would.
	err *FieldError
	// lazy is set when scanFast located the fields: then sep[i] is where
	// field i ends (a separator, or the end of the line), and start, end
	// and quoted hold only the fields span was asked for. A line scanFast
	// takes is at most fastMaxLine bytes, so a uint16 holds a position; the
	// slack past NumFields takes the vector kernel's whole-chunk stores.
	lazy bool
	sep  [NumFields + sepSlack]uint16
	// headPlain, with lazy, says that no quote comes before the end of
	// field MinFields.
	headPlain bool
	// pending is set when the separators of a full-length line after
	// headSeps are not noted yet in sep: they are in pendingMask (word
	// pendingWord of the separators' bitmap, less those noted) and the
	// words after it.
	pending     bool
	pendingWord int
	pendingMask uint64
}

// reset empties f; start and end are only read below n.
func (f *fields) reset() {
	f.n, f.quoted, f.rest, f.err = 0, 0, 0, nil
	f.lazy, f.headPlain, f.pending = false, false, false
}

// scan locates the fields of line, up to NumFields of them.
func (f *fields) scan(line []byte) {
	f.reset()
	pos := 0
	for f.n < NumFields {
		pos = skipSpaces(line, pos)
		if pos >= len(line) {
			break
		}
		if line[pos] == '"' {
			end, err := closingQuote(line, pos+1)
			if err == nil && end+1 < len(line) && line[end+1] != ' ' {
				err = ErrBadQuote
			}
			if err != nil {
				f.err = &FieldError{Field: f.n + 1, Column: pos + 1, Value: short(line[pos:]), Err: err}
				break
			}
			f.quoted |= 1 << f.n
			f.start[f.n], f.end[f.n] = pos+1, end
			pos = end + 1
		} else {
			end := bytes.IndexByte(line[pos:], ' ')
			if end < 0 {
				end = len(line) - pos
			}
			f.start[f.n], f.end[f.n] = pos, pos+end
			pos += end
		}
		f.n++
	}
	f.rest = pos
}

// fill converts the located fields into e and reports the first problem, in
// the order of a left-to-right reading: a field that does not convert, a
// field that could not be located, too few fields. Well-formed lines take
// fillFast; fillOrdered finds the first problem of the others.
func (e *Entry) fill(line []byte, f *fields, b *structure, fast bool, c *[2]clock) error {
	if !fast || f.err != nil || f.n < MinFields || !e.fillFast(line, f, c) {
		f.tailSeps(b)
		f.spanAll(line)
		*e = Entry{}
		if err := e.fillOrdered(line, f); err != nil {
			return err
		}
	}
	e.Fields = f.n
	e.Extra = nil
	if rest := skipSpaces(line, f.rest); rest < len(line) {
		e.Extra = line[rest:]
		e.Fields += countFields(e.Extra)
	}
	return nil
}

// fillOrdered converts the fields one by one with set, stopping at the first
// problem.
func (e *Entry) fillOrdered(line []byte, f *fields) error {
	for i := 0; i < f.n; i++ {
		tok := line[f.start[i]:f.end[i]]
		quoted := f.quoted&(1<<i) != 0
		if err := e.set(i+1, tok, quoted); err != nil {
			if i < 2 {
				if other := otherLog(line, f); other != nil {
					return &FieldError{Err: other}
				}
			}
			col := f.start[i] + 1
			if quoted {
				col-- // the column of the opening quote
			}
			return &FieldError{Field: i + 1, Column: col, Value: short(tok), Err: err}
		}
	}
	if f.err != nil {
		return f.err
	}
	if f.n < MinFields {
		if f.n == 0 {
			return &FieldError{Err: errors.New("empty line")}
		}
		return &FieldError{Field: f.n + 1, Column: len(line) + 1, Err: fmt.Errorf("%w: got %d, need at least %d", ErrTooFewFields, f.n, MinFields)}
	}
	return nil
}

// otherLog recognizes, from its first fields, a line of another log that
// load balancers write: an ALB connection log (a timestamp, then the client's
// IP and port as two fields) or an NLB access log (type tls, then the log
// version). It returns nil for anything else.
func otherLog(line []byte, f *fields) error {
	if f.n < 3 {
		return nil
	}
	tok := func(i int) string { return string(line[f.start[i]:f.end[i]]) }
	first, second, third := tok(0), tok(1), tok(2)
	switch {
	case first == "tls" && second == "2.0":
		return ErrNLBLog
	case first != "" && first[0] >= '0' && first[0] <= '9' && strings.Contains(first, "T"):
		if _, err := netip.ParseAddr(second); err == nil && third != "" && strings.Trim(third, "0123456789") == "" {
			return ErrConnectionLog
		}
	}
	return nil
}

// fillFast is set applied to every field, written out: it sets every field
// of e (f has at least MinFields fields) and reports false at the first one
// that does not convert, leaving fillOrdered to say which and why.
func (e *Entry) fillFast(line []byte, f *fields, c *[2]clock) bool {
	tok := func(i int) []byte { return line[f.start[i]:f.end[i]] }
	var err, err2, err3 error
	if f.n != NumFields {
		*e = Entry{} // an older format sets fewer fields; a full line sets them all
	}
	switch {
	case f.lazy && f.headPlain:
		f.start[0], f.end[0] = 0, int(f.sep[0])
		for i := 1; i < MinFields; i++ {
			f.start[i], f.end[i] = int(f.sep[i-1])+1, int(f.sep[i])
		}
	case f.lazy:
		for i := range MinFields {
			f.span(line, i)
		}
	}

	e.Type = tok(FieldType - 1)
	if !isWord(e.Type) || e.Type[0] >= '0' && e.Type[0] <= '9' {
		return false
	}
	if e.Time, err = c[0].parse(tok(FieldTime - 1)); err != nil {
		return false
	}
	e.ELB = tok(FieldELB - 1)
	e.Client = tok(FieldClient - 1)
	e.Target = tok(FieldTarget - 1)
	if !hasPort(e.Client) || !Absent(e.Target) && !hasPort(e.Target) {
		return false
	}
	e.RequestProcessingTime, err = parseSeconds(tok(FieldRequestProcessingTime - 1))
	e.TargetProcessingTime, err2 = parseSeconds(tok(FieldTargetProcessingTime - 1))
	e.ResponseProcessingTime, err3 = parseSeconds(tok(FieldResponseProcessingTime - 1))
	if err != nil || err2 != nil || err3 != nil {
		return false
	}
	e.ELBStatusCode, err = parseStatus(tok(FieldELBStatusCode - 1))
	e.TargetStatusCode, err2 = parseStatus(tok(FieldTargetStatusCode - 1))
	if err != nil || err2 != nil {
		return false
	}
	e.ReceivedBytes, err = parseCount(tok(FieldReceivedBytes - 1))
	e.SentBytes, err2 = parseCount(tok(FieldSentBytes - 1))
	if err != nil || err2 != nil {
		return false
	}
	if f.n != NumFields {
		// An older, shorter format: the rest one by one.
		f.spanAll(line)
		for i := MinFields; i < f.n; i++ {
			if e.set(i+1, tok(i), f.quoted&(1<<i) != 0) != nil {
				return false
			}
		}
		return true
	}
	if f.lazy {
		f.span(line, FieldRequest-1)
		f.span(line, FieldTargetGroupARN-1)
		f.span(line, FieldRequestCreationTime-1)
	}
	if f.quoted&(1<<(FieldRequest-1)) == 0 {
		return false // ErrNotQuoted
	}
	e.Request = tok(FieldRequest - 1)
	e.TargetGroupARN = tok(FieldTargetGroupARN - 1)
	e.RequestCreationTime = 0
	if t := tok(FieldRequestCreationTime - 1); !Absent(t) {
		if e.RequestCreationTime, err = c[1].parse(t); err != nil {
			return false
		}
	}
	if !f.lazy {
		e.fillTail(line, f)
	}
	return true
}

// spanAll sets the bounds of every field scanFast located.
func (f *fields) spanAll(line []byte) {
	if f.lazy {
		for i := range f.n {
			f.span(line, i)
		}
		f.lazy = false
	}
}

// fillTail sets the fields of a full-length line that fillFast leaves to
// the end: none of them is converted, so none can fail.
func (e *Entry) fillTail(line []byte, f *fields) {
	if f.lazy {
		for _, i := range tailFields {
			f.span(line, i)
		}
		f.lazy = false
	}
	tok := func(i int) []byte { return line[f.start[i]:f.end[i]] }
	e.UserAgent = tok(FieldUserAgent - 1)
	e.SSLCipher = tok(FieldSSLCipher - 1)
	e.SSLProtocol = tok(FieldSSLProtocol - 1)
	e.TraceID = tok(FieldTraceID - 1)
	e.DomainName = tok(FieldDomainName - 1)
	e.ChosenCertARN = tok(FieldChosenCertARN - 1)
	e.MatchedRulePriority = tok(FieldMatchedRulePriority - 1)
	e.ActionsExecuted = tok(FieldActionsExecuted - 1)
	e.RedirectURL = tok(FieldRedirectURL - 1)
	e.ErrorReason = tok(FieldErrorReason - 1)
	e.TargetPortList = tok(FieldTargetPortList - 1)
	e.TargetStatusCodeList = tok(FieldTargetStatusCodeList - 1)
	e.Classification = tok(FieldClassification - 1)
	e.ClassificationReason = tok(FieldClassificationReason - 1)
	e.ConnTraceID = tok(FieldConnTraceID - 1)
}

// tailFields are the fields (0-based) fillTail sets.
var tailFields = [...]int{
	FieldUserAgent - 1, FieldSSLCipher - 1, FieldSSLProtocol - 1, FieldTraceID - 1,
	FieldDomainName - 1, FieldChosenCertARN - 1, FieldMatchedRulePriority - 1,
	FieldActionsExecuted - 1, FieldRedirectURL - 1, FieldErrorReason - 1,
	FieldTargetPortList - 1, FieldTargetStatusCodeList - 1, FieldClassification - 1,
	FieldClassificationReason - 1, FieldConnTraceID - 1,
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

// hasPort reports whether b looks like host:port (IPv6 hosts contain colons
// too): a colon after the first byte, followed by digits only.
func hasPort(b []byte) bool {
	i := len(b) - 1
	for i >= 0 && b[i] >= '0' && b[i] <= '9' {
		i--
	}
	return i > 0 && i < len(b)-1 && b[i] == ':'
}

// parseSeconds parses a decimal number of seconds into microseconds. Negative
// values ("-1") mean the time is not available.
func parseSeconds(b []byte) (int64, error) {
	if len(b) == 5 && b[1] == '.' { // S.fff, as ALB writes most: unrolled
		s, f0, f1, f2 := b[0]-'0', b[2]-'0', b[3]-'0', b[4]-'0'
		if s <= 9 && f0 <= 9 && f1 <= 9 && f2 <= 9 {
			return int64(s)*1e6 + int64(f0)*1e5 + int64(f1)*1e4 + int64(f2)*1e3, nil
		}
	}
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
	if len(b) == 3 { // unrolled: every line has two
		d0, d1, d2 := b[0]-'0', b[1]-'0', b[2]-'0'
		if d0 < 1 || d0 > 9 || d1 > 9 || d2 > 9 {
			return 0, ErrBadStatus
		}
		return int(d0)*100 + int(d1)*10 + int(d2), nil
	}
	if Absent(b) {
		return Missing, nil
	}
	return 0, ErrBadStatus
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
	var c clock
	return c.parse(b)
}

// parseTimeRFC3339 is ParseTime's slower path, for any RFC 3339 form.
func parseTimeRFC3339(b []byte) (int64, error) {
	t, err := time.Parse(time.RFC3339Nano, string(b))
	if err != nil {
		return 0, ErrBadTime
	}
	return t.UnixMicro(), nil
}

// parseMinute parses YYYY-MM-DDTHH:MM (16 bytes) into microseconds since the
// epoch, for a valid date from 1970 on.
func parseMinute(b []byte) (int64, bool) {
	if len(b) != 16 || b[4] != '-' || b[7] != '-' || b[10] != 'T' || b[13] != ':' {
		return 0, false
	}
	y, ok1 := digits(b[0:4])
	mo, ok2 := digits(b[5:7])
	d, ok3 := digits(b[8:10])
	h, ok4 := digits(b[11:13])
	mi, ok5 := digits(b[14:16])
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && y >= 1970 && mo >= 1 && mo <= 12 && d >= 1 && d <= daysIn(y, mo) && h < 24 && mi < 60) {
		return 0, false
	}
	days := daysFromCivil(y, mo, d)
	return ((days*24+int64(h))*60 + int64(mi)) * 60 * 1e6, true
}

// parseSecond parses SS[.ffffff] (at most 60 seconds, a leap second, and any
// number of fraction digits, kept to microseconds) into microseconds.
func parseSecond(b []byte) (int64, bool) {
	if len(b) == 9 { // SS.ffffff, as ALB writes it, twice a line: 8 bytes at once
		w := binary.LittleEndian.Uint64(b[1:]) // S . f f f f f f
		// Each byte but the second a digit (high nibble 3, and still 3
		// with 6 added, which carries into no other byte then), the
		// second a point.
		const nibbles, want = 0xF0F0F0F0F0F0FFF0, 0x303030303030_2E_30
		if s0 := b[0] - '0'; s0 <= 9 && w&nibbles == want && (w+0x0606060606060006)&nibbles == want {
			s := int64(s0)*10 + int64(w&0x0F)
			if s > 60 {
				return 0, false
			}
			return s*1e6 + int64(eightDigits(w&^0xFFFF)), true // the fraction as 00ffffff
		}
	}
	return parseSecondSlow(b)
}

// eightDigits returns the number written by the 8 ASCII digits of w, the
// first in its lowest byte (a zero byte reads as the digit 0): Lemire's
// three multiplications, each joining neighbours into numbers twice as long.
func eightDigits(w uint64) uint64 {
	w = (w & 0x0F0F0F0F0F0F0F0F) * 2561 >> 8
	w = (w & 0x00FF00FF00FF00FF) * 6553601 >> 16
	return (w & 0x0000FFFF0000FFFF) * 42949672960001 >> 32
}

// parseSecondSlow is parseSecond, a byte at a time.
func parseSecondSlow(b []byte) (int64, bool) {
	if len(b) < 2 {
		return 0, false
	}
	s, ok := digits(b[:2])
	if !ok || s > 60 {
		return 0, false
	}
	micros := int64(s) * 1e6
	if rest := b[2:]; len(rest) > 0 {
		if rest[0] != '.' || len(rest) == 1 {
			return 0, false
		}
		scale := int64(1e6)
		for _, c := range rest[1:] {
			if c < '0' || c > '9' {
				return 0, false
			}
			if scale > 1 {
				scale /= 10
				micros += int64(c-'0') * scale
			}
		}
	}
	return micros, true
}

// clock parses the timestamps of a run of lines: consecutive entries are
// mostly in the same minute, so it keeps the last minute parsed and only
// parses the seconds of a timestamp in that minute.
type clock struct {
	lo, hi uint64 // the last YYYY-MM-DDTHH:MM, as two little-endian words
	minute int64  // its microseconds; valid when set
	set    bool
}

// parse is ParseTime, faster for a timestamp in the same minute as the last.
// Its fast path takes YYYY-MM-DDTHH:MM:SS[.ffffff]Z.
func (c *clock) parse(b []byte) (int64, error) {
	if len(b) < 20 || b[16] != ':' || b[len(b)-1] != 'Z' {
		return parseTimeRFC3339(b)
	}
	lo, hi := binary.LittleEndian.Uint64(b[0:8]), binary.LittleEndian.Uint64(b[8:16])
	if !c.set || lo != c.lo || hi != c.hi {
		m, ok := parseMinute(b[:16])
		if !ok {
			return parseTimeRFC3339(b) // the slow path decides
		}
		c.lo, c.hi, c.minute, c.set = lo, hi, m, true
	}
	rest, ok := parseSecond(b[17 : len(b)-1])
	if !ok {
		return 0, ErrBadTime
	}
	return c.minute + rest, nil
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
