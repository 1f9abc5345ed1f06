// Package awserr tells apart the AWS SDK failures that happen before any
// service answers: no credentials, or no endpoint to reach. Both the S3 log
// reader and the account audit turn them into one line each.
package awserr

import (
	"errors"
	"strings"

	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Kind is what went wrong before a service answered.
type Kind int

const (
	// Other: a service answered (with an error), or something else failed.
	Other Kind = iota
	// NoCredentials: the default chain found no credentials.
	NoCredentials
	// Unreachable: the endpoint could not be reached or dropped the connection.
	Unreachable
)

// Classify says which Kind err is. The SDK wraps these failures in plain
// errors, so their text is what tells them apart.
func Classify(err error) Kind {
	msg := err.Error()
	// Before the HTTP answer test: the credential chain's last try may be
	// IMDS, whose own HTTP error (a 403 off EC2) is then wrapped in err.
	if strings.Contains(msg, "no EC2 IMDS role found") || strings.Contains(msg, "failed to refresh cached credentials") ||
		strings.Contains(msg, "get credentials") || strings.Contains(msg, "failed to retrieve credentials") {
		return NoCredentials
	}
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) && re.Response != nil && re.HTTPStatusCode() > 0 {
		return Other // an HTTP answer came back
	}
	switch {
	case strings.Contains(msg, "connection refused"), strings.Contains(msg, "no such host"), strings.Contains(msg, "i/o timeout"),
		strings.Contains(msg, "connection reset"), strings.Contains(msg, "EOF"):
		return Unreachable
	}
	return Other
}

// LastCause is the innermost error err wraps: what the network or the
// system said, without the SDK's layers.
func LastCause(err error) error {
	for {
		u := errors.Unwrap(err)
		if u == nil {
			return err
		}
		err = u
	}
}
