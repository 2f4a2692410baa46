//go:build linux

package main

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// serveProc is `autobahn serve` running as a process of its own.
type serveProc struct {
	cmd    *exec.Cmd
	stderr chan string // its stderr, a line at a time; closed at its end
	exited chan error  // cmd.Wait's error, once it exited
}

// startServeProc starts `autobahn serve args` and returns it with the
// first line it printed on stdout; the process is killed at the test's
// end if it still runs.
func startServeProc(t *testing.T, args ...string) (*serveProc, string) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, append([]string{"serve"}, args...)...)
	cmd.Env = append(os.Environ(), "AUTOBAHN_MAIN_TEST=1")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &serveProc{cmd: cmd, stderr: make(chan string, 1000), exited: make(chan error, 1)}
	lines := make(chan string, 100)
	read := make(chan struct{}, 2)
	go func() {
		defer func() { read <- struct{}{} }()
		defer close(lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	go func() {
		defer func() { read <- struct{}{} }()
		defer close(p.stderr)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			select {
			case p.stderr <- sc.Text():
			default: // nobody reads that far
			}
		}
	}()
	go func() {
		<-read
		<-read
		p.exited <- cmd.Wait() // after the pipes are read, as Wait wants
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		for range lines {
		}
		for range p.stderr {
		}
	})
	select {
	case line, ok := <-lines:
		if !ok {
			t.Fatalf("serve %v printed nothing", args)
		}
		go func() {
			for range lines {
			}
		}()
		return p, line
	case <-time.After(30 * time.Second):
		t.Fatalf("serve %v: no start-up line", args)
	}
	return nil, ""
}

// waitLog waits for a line of stderr with want; it fails the test if the
// process ends first.
func (p *serveProc) waitLog(t *testing.T, want string) {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		select {
		case line, ok := <-p.stderr:
			if !ok {
				t.Fatalf("serve ended (%v) before logging %q", <-p.exited, want)
			}
			if strings.Contains(line, want) {
				return
			}
		case <-deadline:
			t.Fatalf("no %q on stderr", want)
		}
	}
}

// stop sends SIGTERM and returns the exit status.
func (p *serveProc) stop(t *testing.T) int {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	var err error
	select {
	case err = <-p.exited:
	case <-time.After(60 * time.Second):
		t.Fatal("serve did not stop on SIGTERM")
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return 0
}

// writeCert writes a self-signed certificate for 127.0.0.1 with serial
// and its key to dir.
func writeCert(t *testing.T, dir string, serial int64) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}

// SIGHUP (systemctl reload, kill -HUP) does not end serve, whose default
// action it was, without a close frame for anyone: with --tls-cert it
// reads the key pair again at once; with --procs the parent lives on and
// its children keep serving. SIGTERM then stops it with exit status 0.
func TestReview14ServeSIGHUP(t *testing.T) {
	t.Run("tls", func(t *testing.T) {
		dir := t.TempDir()
		certFile, keyFile := writeCert(t, dir, 1)
		p, line := startServeProc(t, "--addr", "127.0.0.1:0", "--driver", "std", "--log-level", "info",
			"--tls-cert", certFile, "--tls-key", keyFile)
		m := regexp.MustCompile(`https://(127\.0\.0\.1:\d+)/`).FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("no address in %q", line)
		}
		writeCert(t, dir, 2) // renewed in place
		if err := p.cmd.Process.Signal(syscall.SIGHUP); err != nil {
			t.Fatal(err)
		}
		p.waitLog(t, "TLS certificate reloaded")
		conn, err := tls.Dial("tcp", m[1], &tls.Config{InsecureSkipVerify: true})
		if err != nil {
			t.Fatal(err)
		}
		serial := conn.ConnectionState().PeerCertificates[0].SerialNumber.Int64()
		conn.Close()
		if serial != 2 {
			t.Fatalf("after SIGHUP the certificate of serial %d, want 2", serial)
		}
		if status := p.stop(t); status != 0 {
			t.Fatalf("exit status %d after SIGTERM", status)
		}
	})
	t.Run("procs", func(t *testing.T) {
		p, line := startServeProc(t, "--addr", "127.0.0.1:0", "--procs", "2", "--log-level", "info")
		m := regexp.MustCompile(`http://(127\.0\.0\.1:\d+)/`).FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("no address in %q", line)
		}
		if err := p.cmd.Process.Signal(syscall.SIGHUP); err != nil {
			t.Fatal(err)
		}
		p.waitLog(t, "msg=SIGHUP")
		c, err := net.Dial("tcp", m[1])
		if err != nil {
			t.Fatalf("after SIGHUP: %v", err)
		}
		c.Close()
		if status := p.stop(t); status != 0 {
			t.Fatalf("exit status %d after SIGTERM", status)
		}
	})
}
