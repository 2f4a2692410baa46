package cli

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"strings"
	"testing"
	"time"
)

// autobahn bench wamp against a router with a self-signed certificate
// (serve --tls-cert): --insecure skips the check, as in bench run and
// idle; without it the error says so. It took wss:// and rss:// URLs but
// had no way to reach such a router.
func TestReview17BenchWAMPInsecure(t *testing.T) {
	_, _, url, stop := startTLSServe(t) // review18_tlsrouter_test.go
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	bench := func(flags ...string) (string, error) {
		var out, errb bytes.Buffer
		args := append(append([]string{"bench", "wamp", "-only", "rpc", "-callers", "1", "-warmup", "0s", "-duration", "50ms", "-progress", "0"}, flags...), url)
		err := run(ctx, args, &out, &errb)
		return out.String(), err
	}
	if out, err := bench("--insecure"); err != nil || !strings.Contains(out, "calls/s") {
		t.Errorf("bench wamp --insecure: %v, printed %q", err, out)
	}
	_, err := bench()
	var cve *tls.CertificateVerificationError
	var ue usageError
	if !errors.As(err, &cve) || errors.As(err, &ue) || !strings.Contains(err.Error(), "--insecure") {
		t.Errorf("bench wamp without --insecure: %v, want the certificate error and a hint at --insecure", err)
	}

	var out, errb bytes.Buffer
	if err := run(ctx, []string{"bench", "wamp", "-h"}, &out, &errb); err != nil {
		t.Fatal(err)
	}
	if help := out.String() + errb.String(); !strings.Contains(help, "-insecure") {
		t.Errorf("bench wamp -h: no -insecure in\n%s", help)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}
