package cli

import (
	"testing"
)

// startTLSServe starts `autobahn serve --driver std` with a self-signed
// certificate (writeKeyPair, serve_flags_test.go) written to a fresh
// directory, and returns that directory, the certificate's file, the
// WAMP router's wss:// URL and stop (startServe's).
func startTLSServe(t *testing.T) (dir, certFile, url string, stop func() error) {
	t.Helper()
	dir = t.TempDir()
	certFile, keyFile, _ := writeKeyPair(t, dir, 1)
	lines, stop := startServe(t, 2, "--addr", "127.0.0.1:0", "--driver", "std", "--tls-cert", certFile, "--tls-key", keyFile)
	url = "wss://" + find(t, `WAMP router, realm realm1, on wss://(127\.0\.0\.1:\d+/ws)`, lines[1])
	return dir, certFile, url, stop
}
