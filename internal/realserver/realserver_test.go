package realserver

import (
	"fmt"
	"os"
	"testing"
)

// The ports FreePort picks never fall in the range the kernel hands out for
// outgoing connections, whatever this machine's range is.
func TestTestPortsAvoidEphemeral(t *testing.T) {
	lo, hi := testPorts()
	if lo < 1024 || hi > 65535 || hi-lo < 1000 {
		t.Fatalf("testPorts() = %d-%d: too few ports", lo, hi)
	}
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		t.Skip("no ephemeral range to compare with:", err)
	}
	var elo, ehi int
	if _, err := fmt.Sscan(string(b), &elo, &ehi); err != nil {
		t.Fatal(err)
	}
	if lo <= ehi && hi >= elo {
		t.Errorf("testPorts() = %d-%d overlaps the ephemeral range %d-%d", lo, hi, elo, ehi)
	}
	for range 50 {
		if p := FreePort(t); p < lo || p > hi {
			t.Fatalf("FreePort() = %d, outside %d-%d", p, lo, hi)
		}
	}
}
