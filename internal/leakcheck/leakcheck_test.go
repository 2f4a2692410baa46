package leakcheck

import (
	"os"
	"strings"
	"testing"
	"time"
)

func TestSettleSeesLeaks(t *testing.T) {
	g0, fd0 := len(goroutines()), openFDs()
	stop := make(chan struct{})
	go func() { <-stop }()
	f, err := os.Open(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	err = settle(g0, fd0, 50*time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), "goroutines") || !strings.Contains(err.Error(), os.Args[0]) {
		t.Fatalf("leaks not reported: %v", err)
	}
	close(stop)
	f.Close()
	if err := settle(g0, fd0, 5*time.Second); err != nil {
		t.Fatalf("reported after cleanup: %v", err)
	}
}
