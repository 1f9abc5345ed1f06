package awsapi

import (
	"os"
	"path/filepath"
	"testing"
)

// StartTest serves sc for the test's duration, with the AWS SDK isolated
// from this machine: test credentials, no shared config or profile, no
// region, and no IMDS (it would reach 169.254.169.254).
func StartTest(t testing.TB, sc *Scenario) *Server {
	t.Helper()
	Isolate(t)
	srv, err := Start(sc)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

// Isolate sets the environment so that the SDK sees only test credentials.
func Isolate(t testing.TB) {
	t.Helper()
	empty := filepath.Join(t.TempDir(), "empty")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
		"AWS_SESSION_TOKEN": "", "AWS_PROFILE": "", "AWS_REGION": "", "AWS_DEFAULT_REGION": "",
		"AWS_CONFIG_FILE": empty, "AWS_SHARED_CREDENTIALS_FILE": empty, "AWS_EC2_METADATA_DISABLED": "true",
		"AWS_ENDPOINT_URL": "",
	} {
		t.Setenv(k, v)
	}
}
