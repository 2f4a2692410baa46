package tlsrec

import (
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"net"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuf collects a child's output and lets a test wait for a string.
type syncBuf struct {
	mu  sync.Mutex
	b   bytes.Buffer
	new chan struct{}
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.b.Write(p)
	select {
	case s.new <- struct{}{}:
	default:
	}
	return len(p), nil
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitFor waits until the output contains want.
func (s *syncBuf) waitFor(t *testing.T, want string) {
	t.Helper()
	deadline := time.After(ioTimeout)
	for !strings.Contains(s.String(), want) {
		select {
		case <-s.new:
		case <-time.After(50 * time.Millisecond):
		case <-deadline:
			t.Fatalf("no %q in the output:\n%s", want, s.String())
		}
	}
}

// TestOpenSSLClient takes over connections from `openssl s_client`
// offering one TLS 1.3 suite each (crypto/tls's client never picks
// AES-256-GCM, nor ChaCha20-Poly1305 where AES is fast), moves data both
// ways, and has s_client request a key update ("K"), which leaves our
// answer pending until the next record we send; Seal updates our keys
// every other record meanwhile.
func TestOpenSSLClient(t *testing.T) {
	bin, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("no openssl")
	}
	// Our own key updates too, every other record.
	defer func(n uint64) { keyUpdateAfter = n }(keyUpdateAfter)
	keyUpdateAfter = 2
	for _, id := range allSuites {
		t.Run(tls.CipherSuiteName(id), func(t *testing.T) {
			sc := startSClient(t, bin, "-ciphersuites", tls.CipherSuiteName(id))
			stdin, stdout, stderr, raw, srv, capt := sc.stdin, sc.stdout, sc.stderr, sc.raw, sc.srv, sc.capt
			st := srv.ConnectionState()
			if st.CipherSuite != id {
				t.Fatalf("suite %s", tls.CipherSuiteName(st.CipherSuite))
			}
			rc, err := capt.Conn(st)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("sealed %d", capt.sealed)
			s := &server{t: t, raw: raw, rc: rc}
			stdout.waitFor(t, "---\n") // s_client printed the session: it reads stdin now

			line := "ping from openssl\n"
			if _, err := io.WriteString(stdin, line); err != nil {
				t.Fatal(err)
			}
			if got, err := s.read(len(line)); err != nil || string(got) != line {
				t.Fatalf("read %q %v", got, err)
			}
			big := strings.Repeat("0123456789abcdef", 3000) + "\n" // 3 records
			if err := <-s.sendAsync([]byte("pong from go\n" + big)); err != nil {
				t.Fatal(err)
			}
			stdout.waitFor(t, "pong from go\n"+big)

			// A key update the peer requests: Open updates the read key
			// and leaves our answer pending.
			if _, err := io.WriteString(stdin, "K\n"); err != nil {
				t.Fatal(err)
			}
			stderr.waitFor(t, "KEYUPDATE")
			line = "after the key update\n"
			if _, err := io.WriteString(stdin, line); err != nil {
				t.Fatal(err)
			}
			if got, err := s.read(len(line)); err != nil || string(got) != line {
				t.Fatalf("read %q %v", got, err)
			}
			if !rc.Pending() {
				t.Fatal("no KeyUpdate pending after the peer's update_requested")
			}
			if err := <-s.sendAsync([]byte("reply under the new key\n")); err != nil {
				t.Fatal(err)
			}
			stdout.waitFor(t, "reply under the new key\n")

			// EOF on s_client's stdin: it sends close_notify.
			stdin.Close()
			if got, err := s.read(1 << 30); err != io.EOF || len(got) != 0 {
				t.Fatalf("at the end: %q %v\n%s", got, err, stderr)
			}
		})
	}
}

// sclient is `openssl s_client -tls1_3` connected to a crypto/tls server of
// testConfigs whose handshake is done and whose records capt captured;
// raw is the server's TCP connection, without deadline.
type sclient struct {
	stdin          io.WriteCloser
	stdout, stderr *syncBuf
	raw            net.Conn
	srv            *tls.Conn
	capt           *Capture
}

// startSClient starts s_client with extra arguments against a loopback
// server and completes the handshake. When the test ends, s_client's stdin
// is closed and it is waited for (killed after ioTimeout).
func startSClient(t *testing.T, bin string, extra ...string) *sclient {
	t.Helper()
	srvCfg, _, _ := testConfigs(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	args := append([]string{"s_client", "-connect", ln.Addr().String(), "-tls1_3"}, extra...)
	cmd := exec.CommandContext(ctx, bin, append(args, "-no_ign_eof")...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	sc := &sclient{stdin: stdin, stdout: &syncBuf{new: make(chan struct{}, 1)}, stderr: &syncBuf{new: make(chan struct{}, 1)}}
	cmd.Stdout, cmd.Stderr = sc.stdout, sc.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		stdin.Close()
		select {
		case <-done:
		case <-time.After(ioTimeout):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	_ = ln.(*net.TCPListener).SetDeadline(time.Now().Add(ioTimeout))
	raw, err := ln.Accept()
	if err != nil {
		t.Fatalf("accept: %v\n%s", err, sc.stderr)
	}
	t.Cleanup(func() { raw.Close() })
	sc.raw, sc.capt = raw, NewCapture(nil)
	cfg := srvCfg.Clone()
	cfg.KeyLogWriter = sc.capt.KeyLogWriter()
	sc.srv = tls.Server(tap(raw, sc.capt), cfg)
	_ = raw.SetDeadline(time.Now().Add(ioTimeout))
	if err := sc.srv.Handshake(); err != nil {
		t.Fatalf("handshake: %v\n%s", err, sc.stderr)
	}
	_ = raw.SetDeadline(time.Time{})
	return sc
}
