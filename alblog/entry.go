// Package alblog reads and writes AWS Application Load Balancer access log entries.
//
// An entry is one line of space-separated fields, some of them double-quoted. The
// parser is allocation-free: an Entry's byte-slice fields point into the line that
// was parsed and are valid only until that buffer is reused. Fields AWS appends in
// the future are accepted and kept in Entry.Extra; entries from older logs that end
// early are accepted as long as the first MinFields fields are present.
package alblog

// Field numbers (1-based, as in the AWS documentation).
const (
	FieldType = iota + 1
	FieldTime
	FieldELB
	FieldClient
	FieldTarget
	FieldRequestProcessingTime
	FieldTargetProcessingTime
	FieldResponseProcessingTime
	FieldELBStatusCode
	FieldTargetStatusCode
	FieldReceivedBytes
	FieldSentBytes
	FieldRequest
	FieldUserAgent
	FieldSSLCipher
	FieldSSLProtocol
	FieldTargetGroupARN
	FieldTraceID
	FieldDomainName
	FieldChosenCertARN
	FieldMatchedRulePriority
	FieldRequestCreationTime
	FieldActionsExecuted
	FieldRedirectURL
	FieldErrorReason
	FieldTargetPortList
	FieldTargetStatusCodeList
	FieldClassification
	FieldClassificationReason
	FieldConnTraceID
)

// NumFields is the number of fields this package knows by name. Later fields are
// kept, unparsed, in Entry.Extra.
const NumFields = FieldConnTraceID

// MinFields is the fewest fields an entry may have (type through sent_bytes).
const MinFields = FieldSentBytes

// fieldNames holds the documented name of each field, indexed by field number.
var fieldNames = [NumFields + 1]string{
	"", "type", "time", "elb", "client:port", "target:port",
	"request_processing_time", "target_processing_time", "response_processing_time",
	"elb_status_code", "target_status_code", "received_bytes", "sent_bytes",
	"request", "user_agent", "ssl_cipher", "ssl_protocol", "target_group_arn",
	"trace_id", "domain_name", "chosen_cert_arn", "matched_rule_priority",
	"request_creation_time", "actions_executed", "redirect_url", "error_reason",
	"target:port_list", "target_status_code_list", "classification",
	"classification_reason", "conn_trace_id",
}

// FieldName returns the documented name of field n (1-based), or "extra" past the
// known fields.
func FieldName(n int) string {
	if n >= 1 && n <= NumFields {
		return fieldNames[n]
	}
	return "extra"
}

// Missing is the value of a processing time or status that the log marks as
// absent ("-1" for times, "-" for status codes).
const Missing = -1

// Entry is one parsed access log entry. Byte-slice fields hold the raw text of
// the field: quoted fields without their quotes but with their escapes intact
// (see Unquote), and "-" where the log says a value is absent.
type Entry struct {
	Type   []byte
	Time   int64 // when the response was generated, microseconds since the Unix epoch (UTC)
	ELB    []byte
	Client []byte
	Target []byte

	// Processing times in microseconds, or Missing where the log has -1.
	RequestProcessingTime  int64
	TargetProcessingTime   int64
	ResponseProcessingTime int64

	ELBStatusCode    int // Missing where the log has "-"
	TargetStatusCode int // Missing where the log has "-"
	ReceivedBytes    int64
	SentBytes        int64

	Request              []byte
	UserAgent            []byte
	SSLCipher            []byte
	SSLProtocol          []byte
	TargetGroupARN       []byte
	TraceID              []byte
	DomainName           []byte
	ChosenCertARN        []byte
	MatchedRulePriority  []byte
	RequestCreationTime  int64 // microseconds since the epoch; 0 when absent
	ActionsExecuted      []byte
	RedirectURL          []byte
	ErrorReason          []byte
	TargetPortList       []byte
	TargetStatusCodeList []byte
	Classification       []byte
	ClassificationReason []byte
	ConnTraceID          []byte

	// Extra is the raw text of any fields after conn_trace_id, which AWS may add.
	Extra []byte
	// Fields is how many fields the line had (at least MinFields), counting
	// those in Extra.
	Fields int
}

// Has reports whether the entry includes field n. Older logs end early.
func (e *Entry) Has(n int) bool { return n <= e.Fields }

// Elapsed returns time - request_creation_time in microseconds: how long the
// request spent at the load balancer. ok is false when the entry has no
// request_creation_time.
func (e *Entry) Elapsed() (micros int64, ok bool) {
	if e.RequestCreationTime == 0 || e.Time == 0 {
		return 0, false
	}
	return e.Time - e.RequestCreationTime, true
}

// Absent reports whether a raw field value means "no value" ("-" or empty).
func Absent(b []byte) bool {
	return len(b) == 0 || (len(b) == 1 && b[0] == '-')
}

// HasTarget reports whether the entry names a target (target:port is not "-").
func (e *Entry) HasTarget() bool { return !Absent(e.Target) }
