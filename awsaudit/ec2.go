package awsaudit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/smithy-go"
)

// describeInstances returns the private IPs of the given instances, by ID.
//
// It is the one EC2 call lbdoctor makes, so it is sent with the SDK's
// credentials, SigV4 signer and HTTP client rather than through the SDK's
// ec2 package: that package alone would add 38 MB to the binary and
// minutes to every build. The request and response are the EC2 Query
// protocol's (API version 2016-11-15).
func describeInstances(ctx context.Context, cfg aws.Config, region, endpoint string, ids []string) (map[string]string, error) {
	if endpoint == "" {
		endpoint = "https://ec2." + region + ".amazonaws.com"
	}
	form := url.Values{"Action": {"DescribeInstances"}, "Version": {"2016-11-15"}}
	for i, id := range ids {
		form.Set(fmt.Sprintf("InstanceId.%d", i+1), id)
	}
	ips := map[string]string{}
	attempt := 0
	for {
		body := form.Encode()
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint+"/", strings.NewReader(body))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
		creds, err := cfg.Credentials.Retrieve(ctx)
		if err != nil {
			return nil, fmt.Errorf("get credentials: %w", err)
		}
		sum := sha256.Sum256([]byte(body))
		if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "ec2", region, time.Now()); err != nil {
			return nil, err
		}
		hc := cfg.HTTPClient
		if hc == nil {
			hc = http.DefaultClient
		}
		resp, err := hc.Do(req)
		if err != nil {
			return nil, err
		}
		data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
		resp.Body.Close()
		if err != nil {
			return nil, err
		}
		// Throttled or a server error: wait and try again, twice.
		if (resp.StatusCode == http.StatusServiceUnavailable || resp.StatusCode >= 500 ||
			strings.Contains(string(data), "<Code>RequestLimitExceeded</Code>")) && attempt < 2 {
			attempt++
			select {
			case <-time.After(time.Duration(attempt) * time.Second):
				continue
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		attempt = 0
		if resp.StatusCode != http.StatusOK {
			var e struct {
				Code    string `xml:"Errors>Error>Code"`
				Message string `xml:"Errors>Error>Message"`
			}
			if xml.Unmarshal(data, &e) != nil || e.Code == "" {
				e.Code, e.Message = fmt.Sprintf("HTTP%d", resp.StatusCode), http.StatusText(resp.StatusCode)
			}
			return nil, &smithy.GenericAPIError{Code: e.Code, Message: e.Message}
		}
		var out struct {
			Reservations []struct {
				Instances []struct {
					ID string `xml:"instanceId"`
					IP string `xml:"privateIpAddress"`
				} `xml:"instancesSet>item"`
			} `xml:"reservationSet>item"`
			NextToken string `xml:"nextToken"`
		}
		if err := xml.Unmarshal(data, &out); err != nil {
			return nil, fmt.Errorf("DescribeInstances answer: %w", err)
		}
		for _, r := range out.Reservations {
			for _, in := range r.Instances {
				if in.IP != "" {
					ips[in.ID] = in.IP
				}
			}
		}
		if out.NextToken == "" {
			return ips, nil
		}
		form.Set("NextToken", out.NextToken)
	}
}
