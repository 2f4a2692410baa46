package cli

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// TestReviewConfigIgnoredFlags: with --config the built-in server's flags
// do nothing (the file's transports are served): a --metrics-addr, a TLS
// key pair or a connection bound given all the same must be refused, as
// --addr is, not dropped in silence (no metrics port, no TLS, no bound).
func TestReviewConfigIgnoredFlags(t *testing.T) {
	path := filepath.Join(t.TempDir(), "router.json")
	if err := os.WriteFile(path, []byte(endpointConfig(`"alice": {"ticket": "A", "role": "user"}`)), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // serve --config returns at once, if it starts
	for _, extra := range [][]string{
		{"--metrics-addr", "127.0.0.1:0"},
		{"--tls-cert", "c.pem", "--tls-key", "k.pem"},
		{"--max-conns", "10"},
		{"--compress", "deflate"},
	} {
		for _, mode := range []string{"--config", "--check-config"} {
			args := append([]string{"serve", mode, path}, extra...)
			var ue usageError
			if err := run(ctx, args, io.Discard, io.Discard); !errors.As(err, &ue) {
				t.Errorf("%q: %v, want a usage error", args, err)
			}
		}
	}
}
