package realserver

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
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

// A port is released when its test ends, unless something still accepts
// there (a server's child that outlived it): then it stays reserved.
func TestFreePortReleasedOnlyWhenClosed(t *testing.T) {
	dir := filepath.Join(os.TempDir(), "lbdoctor-test-ports")
	var closed, open int
	var lingering net.Listener
	t.Run("closed", func(t *testing.T) { closed = freePort(t, 300*time.Millisecond) })
	t.Run("lingering", func(t *testing.T) {
		open = freePort(t, 300*time.Millisecond)
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", open))
		if err != nil {
			t.Fatal(err)
		}
		lingering = l
	})
	defer lingering.Close()
	if _, err := os.Stat(filepath.Join(dir, fmt.Sprint(closed))); err == nil {
		t.Errorf("port %d, closed, is still reserved", closed)
	}
	if _, err := os.Stat(filepath.Join(dir, fmt.Sprint(open))); err != nil {
		t.Errorf("port %d, still accepting, was released: %v", open, err)
	}
	os.Remove(filepath.Join(dir, fmt.Sprint(open)))
}
