package main

import "testing"

func TestCheckLoopback(t *testing.T) {
	for addr, ok := range map[string]bool{
		"127.0.0.1:8080": true, "[::1]:8080": true, "localhost:80": true, "127.1.2.3:80": true,
		"0.0.0.0:8080": false, ":8080": false, "10.0.0.1:80": false, "example.com:80": false, "nonsense": false,
	} {
		if err := checkLoopback(addr, false); (err == nil) != ok {
			t.Errorf("%s: err %v, want ok=%v", addr, err, ok)
		}
	}
	if err := checkLoopback("0.0.0.0:8080", true); err != nil {
		t.Errorf("allowed non-loopback refused: %v", err)
	}
	if code, _, _ := runCLI(t, "", "lab", "--listen", "0.0.0.0:0", "--target", "http://127.0.0.1:1"); code != exitUsage {
		t.Errorf("non-loopback listen: exit %d", code)
	}
	if code, _, _ := runCLI(t, "", "lab", "--target", "ftp://x"); code != exitUsage {
		t.Errorf("bad target: exit %d", code)
	}
}
