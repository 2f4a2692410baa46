//go:build unix

package rawio

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// childEnv tells a re-executed test binary which child part to run.
const childEnv = "AUTOBAHN_RAWIO_TEST_CHILD"

// runChild runs the tests matching pattern in a child process (this test
// binary again) with env added to this process's environment, less
// AUTOBAHN_RAWIO and childEnv, and returns its output. It fails t if the
// child fails or has not finished within limit; then the child gets a
// SIGQUIT (for its goroutines' stacks in the output) and, 5 s later, a
// SIGKILL. The runtime reads AUTOBAHN_RAWIO once at package init, so a
// child process is how a test sees another setting.
func runChild(t *testing.T, pattern string, limit time.Duration, env ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^("+pattern+")$", "-test.count=1", "-test.v")
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AUTOBAHN_RAWIO=") && !strings.HasPrefix(kv, childEnv+"=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, env...)
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGQUIT) }
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("child %s (%s) did not finish within %v: a raw call blocked?\n%s", pattern, env, limit, out)
	}
	if err != nil {
		t.Fatalf("child %s (%s): %v\n%s", pattern, env, err, out)
	}
	if !strings.Contains(string(out), "--- PASS") {
		t.Fatalf("child %s (%s) ran no test:\n%s", pattern, env, out)
	}
	return string(out)
}

// rawPathLine is what a child logs about its setting; wantRaw is what it
// should log with AUTOBAHN_RAWIO unset (on) or "off".
func rawPathLine(on bool) string { return "raw path: " + strconv.FormatBool(on) }

func wantRaw(mode string) bool { return mode == "on" && flagged && !tagOff }

// TestClearedNonblock clears O_NONBLOCK on a connection's socket the way
// programs do by accident, through (*os.File).Fd on the file that
// (*net.TCPConn).File returns (a dup sharing the open file description).
// Raw calls that relied on O_NONBLOCK would now block in the kernel
// holding their P, and the next GC's stop-the-world would hang the
// process: so the dangerous part runs in a child process with a time
// limit, once with the raw path on and once with AUTOBAHN_RAWIO=off.
func TestClearedNonblock(t *testing.T) {
	if os.Getenv(childEnv) == "cleared-nonblock" {
		clearedNonblock(t)
		return
	}
	for _, mode := range []string{"on", "off"} {
		t.Run(mode, func(t *testing.T) {
			env := []string{childEnv + "=cleared-nonblock"}
			if mode == "off" {
				env = append(env, "AUTOBAHN_RAWIO=off")
			}
			out := runChild(t, "TestClearedNonblock", 30*time.Second, env...)
			if want := rawPathLine(wantRaw(mode)); !strings.Contains(out, want) {
				t.Fatalf("child did not log %q:\n%s", want, out)
			}
		})
	}
}

func clearedNonblock(t *testing.T) {
	t.Log(rawPathLine(enabled))
	a, b := pair(t, "tcp")
	f, err := a.(*net.TCPConn).File()
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	f.Fd() // clears O_NONBLOCK on the open file description a shares
	rc := RawConn(a)
	var fd int
	if err := rc.Control(func(s uintptr) { fd = int(s) }); err != nil {
		t.Fatal(err)
	}
	fl, err := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0)
	if err != nil {
		t.Fatal(err)
	}
	if fl&unix.O_NONBLOCK != 0 {
		// Not the case with Go 1.26; keep testing what matters.
		t.Log("(*os.File).Fd left O_NONBLOCK set; clearing it with fcntl")
		if err := unix.SetNonblock(fd, false); err != nil {
			t.Fatal(err)
		}
	}

	// A goroutine waits in Read for data that comes only after the GCs,
	// and, with the raw path on, another loops on Sysread (EAGAIN each
	// time). Off, Read sits in a blocking read(2), with the scheduler's
	// bookkeeping: GC goes on without it.
	read := make(chan error, 1)
	go func() {
		buf := make([]byte, 8)
		n, err := Read(rc, buf)
		if err == nil && string(buf[:n]) != "x" {
			err = errors.New("read " + strconv.Quote(string(buf[:n])))
		}
		read <- err
	}()
	stop := make(chan struct{})
	spin := make(chan error, 1)
	spinning := make(chan struct{})
	var wg sync.WaitGroup
	if enabled {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 8)
			for first := true; ; first = false {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := Sysread(fd, buf); err != syscall.EAGAIN {
					spin <- err
					return
				}
				if first {
					close(spinning)
				}
			}
		}()
		select { // raw reads are under way while the GCs below run
		case <-spinning:
		case err := <-spin:
			spin <- err // reported below
		}
	}
	for range 5 {
		runtime.GC()
	}
	close(stop)
	wg.Wait()
	select {
	case err := <-spin:
		t.Fatalf("Sysread with nothing to read: %v, want EAGAIN", err)
	default:
	}
	if _, err := b.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	if err := <-read; err != nil {
		t.Fatalf("Read: %v", err)
	}
	if !enabled {
		return // the ordinary path blocks here, as net.Conn does
	}

	// Nothing to read: EAGAIN at once, and Read waits for its deadline.
	buf := make([]byte, 8)
	if n, err := Sysread(fd, buf); err != syscall.EAGAIN {
		t.Fatalf("Sysread with nothing to read: %d, %v; want EAGAIN", n, err)
	}
	a.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
	if _, err := Read(rc, buf); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("Read past its deadline: %v", err)
	}
	// A peer that reads nothing: Write fills the buffers, then times out
	// having written part (a blocking write(2) would wait for ever).
	writePastDeadline(t, a, rc)
	// Syswrite fills whatever room is left (the kernel may have made more
	// since), then fails with EAGAIN.
	chunk, total := make([]byte, 64<<10), 0
	for {
		n, err := Syswrite(fd, chunk)
		if err == syscall.EAGAIN {
			break
		}
		if err != nil || total > 256<<20 {
			t.Fatalf("Syswrite to a peer that reads nothing: %v after %d bytes", err, total)
		}
		total += n
	}
}

// TestKillSwitch runs TestSocketsOnly and TestWriteConnPath in child
// processes with AUTOBAHN_RAWIO unset and "off", and checks which path
// each took (with the autobahn_norawio tag, both are off).
func TestKillSwitch(t *testing.T) {
	if os.Getenv(childEnv) != "" {
		t.Skip("in a child")
	}
	for _, mode := range []string{"on", "off"} {
		t.Run(mode, func(t *testing.T) {
			env := []string{childEnv + "=kill-switch"}
			if mode == "off" {
				env = append(env, "AUTOBAHN_RAWIO=off")
			}
			out := runChild(t, "TestSocketsOnly|TestWriteConnPath", 30*time.Second, env...)
			want := rawPathLine(wantRaw(mode))
			if strings.Count(out, want) != 2 {
				t.Fatalf("children did not both log %q:\n%s", want, out)
			}
		})
	}
}

// TestSocketsOnly: the raw path is for sockets (recvfrom fails on a
// pipe); the ordinary path reads anything.
func TestSocketsOnly(t *testing.T) {
	t.Log(rawPathLine(enabled))
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	if _, err := w.Write([]byte("hi")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 8)
	n, err := Sysread(int(r.Fd()), buf)
	switch {
	case enabled:
		if err != syscall.ENOTSOCK {
			t.Fatalf("raw Sysread on a pipe: %d, %v; want ENOTSOCK", n, err)
		}
	case err != nil || string(buf[:n]) != "hi":
		t.Fatalf("Sysread on a pipe: %q, %v", buf[:n], err)
	}
}

// countingConn counts its Writes.
type countingConn struct {
	net.Conn
	writes int
}

func (c *countingConn) Write(b []byte) (int, error) {
	c.writes++
	return c.Conn.Write(b)
}

// TestWriteConnPath: WriteConn writes around the net.Conn only on the raw
// path.
func TestWriteConnPath(t *testing.T) {
	t.Log(rawPathLine(enabled))
	a, b := pair(t, "tcp")
	nc := &countingConn{Conn: a}
	if _, err := WriteConn(nc, RawConn(a), []byte("hello")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 5)
	if _, err := io.ReadFull(b, buf); err != nil || string(buf) != "hello" {
		t.Fatalf("read %q, %v", buf, err)
	}
	if want := map[bool]int{true: 0, false: 1}[enabled]; nc.writes != want {
		t.Fatalf("raw path %v: %d writes through the net.Conn, want %d", enabled, nc.writes, want)
	}
}
