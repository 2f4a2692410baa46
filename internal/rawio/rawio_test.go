package rawio

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/internal/leakcheck"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }

// pair returns both ends of a connection over network ("tcp" or "unix").
func pair(t testing.TB, network string) (a, b net.Conn) {
	t.Helper()
	addr := "127.0.0.1:0"
	if network == "unix" {
		addr = filepath.Join(t.TempDir(), "s")
	}
	ln, err := net.Listen(network, addr)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	ch := make(chan net.Conn, 1)
	go func() {
		c, _ := ln.Accept()
		ch <- c
	}()
	a, err = net.Dial(network, ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	b = <-ch
	if b == nil {
		t.Fatal("accept failed")
	}
	t.Cleanup(func() { a.Close(); b.Close() })
	return a, b
}

func TestRawConn(t *testing.T) {
	a, _ := pair(t, "tcp")
	if RawConn(a) == nil {
		t.Fatal("no RawConn for a TCP connection")
	}
	p, q := net.Pipe()
	defer p.Close()
	defer q.Close()
	if RawConn(p) != nil {
		t.Fatal("RawConn for a pipe")
	}
}

// TestReadWrite moves 8 MiB each way at once, so writes wait for room
// (the socket buffers are much smaller) and reads for data.
func TestReadWrite(t *testing.T) {
	for _, network := range []string{"tcp", "unix"} {
		t.Run(network, func(t *testing.T) {
			a, b := pair(t, network)
			ra, rb := RawConn(a), RawConn(b)
			want := make([]byte, 8<<20)
			for i := range want {
				want[i] = byte(i * 7 >> 3)
			}
			var wg sync.WaitGroup
			errs := make(chan error, 4)
			for _, rc := range []syscall.RawConn{ra, rb} {
				wg.Add(2)
				go func() {
					defer wg.Done()
					n, err := Write(rc, want)
					if err != nil || n != len(want) {
						errs <- err
					}
				}()
				go func() {
					defer wg.Done()
					got := make([]byte, 0, len(want))
					buf := make([]byte, 1000)
					for len(got) < len(want) {
						n, err := Read(rc, buf)
						if err != nil {
							errs <- err
							return
						}
						got = append(got, buf[:n]...)
					}
					if !bytes.Equal(got, want) {
						errs <- errors.New("bytes differ")
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
		})
	}
}

func TestEOF(t *testing.T) {
	a, b := pair(t, "tcp")
	b.Close()
	if _, err := Read(RawConn(a), make([]byte, 8)); err != io.EOF {
		t.Fatalf("read after the peer closed: %v", err)
	}
}

func TestDeadlines(t *testing.T) {
	a, _ := pair(t, "tcp")
	rc := RawConn(a)
	a.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
	if _, err := Read(rc, make([]byte, 8)); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("read past its deadline: %v", err)
	}
	// A peer that reads nothing: the write fills the buffers, then times out
	// having written part of it.
	writePastDeadline(t, a, rc)
}

// writePastDeadline writes 64 MiB through rc, a's RawConn, whose peer
// reads nothing, with a write deadline: Write must fill the buffers, then
// fail with os.ErrDeadlineExceeded having written part of it. A Write that
// starts after its deadline (the test descheduled for that long) fails
// before writing anything, and shows nothing: then the buffers are still
// empty, and it tries again with a deadline twice as far, up to 3.2 s.
func writePastDeadline(t *testing.T, a net.Conn, rc syscall.RawConn) {
	t.Helper()
	b := make([]byte, 64<<20)
	var n int
	var err error
	for d := 50 * time.Millisecond; d <= 3200*time.Millisecond; d *= 2 {
		a.SetWriteDeadline(time.Now().Add(d))
		n, err = Write(rc, b)
		if n != 0 || !errors.Is(err, os.ErrDeadlineExceeded) {
			break
		}
		t.Logf("Write wrote nothing before its %v deadline (started after it?); again", d)
	}
	if !errors.Is(err, os.ErrDeadlineExceeded) || n == 0 || n >= len(b) {
		t.Fatalf("write past its deadline: %d, %v", n, err)
	}
}

func TestClosed(t *testing.T) {
	a, _ := pair(t, "tcp")
	rc := RawConn(a)
	done := make(chan error)
	go func() {
		_, err := Read(rc, make([]byte, 8))
		done <- err
	}()
	time.Sleep(10 * time.Millisecond)
	a.Close()
	if err := <-done; !errors.Is(err, net.ErrClosed) {
		t.Fatalf("read when closed: %v", err)
	}
	if _, err := Write(rc, []byte("x")); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("write when closed: %v", err)
	}
}

func TestWriteToResetPeer(t *testing.T) {
	a, b := pair(t, "tcp")
	b.(*net.TCPConn).SetLinger(0)
	b.Close() // RST
	time.Sleep(10 * time.Millisecond)
	var err error
	for range 10 {
		if _, err = Write(RawConn(a), make([]byte, 1<<16)); err != nil {
			break
		}
	}
	var se *os.SyscallError
	if !errors.As(err, &se) {
		t.Fatalf("write to a reset connection: %v", err)
	}
}

func TestNoAllocs(t *testing.T) {
	if race {
		t.Skip("sync.Pool drops items at random under the race detector")
	}
	a, b := pair(t, "tcp")
	ra, rb := RawConn(a), RawConn(b)
	msg, buf := []byte("hello"), make([]byte, 16)
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := Write(ra, msg); err != nil {
			t.Fatal(err)
		}
		if _, err := Read(rb, buf); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per write and read", allocs)
	}
}

// TestHappensBefore: a socket write orders what its goroutine did before
// it ahead of what a reader of the data does after, for the race detector
// too, between raw calls and net.Conn's in either direction (under -race
// a missing edge is a reported race on x).
func TestHappensBefore(t *testing.T) {
	a, b := pair(t, "tcp")
	ra := RawConn(a)
	buf := make([]byte, 1)
	for _, dir := range []string{"net.Conn to raw", "raw to net.Conn"} {
		var x int
		done := make(chan struct{})
		go func() {
			defer close(done)
			x = 1
			var err error
			if dir == "net.Conn to raw" {
				_, err = b.Write([]byte("x"))
			} else {
				_, err = Write(ra, []byte("x"))
			}
			if err != nil {
				t.Error(err)
			}
		}()
		var err error
		if dir == "net.Conn to raw" {
			_, err = Read(ra, buf)
		} else {
			_, err = b.Read(buf)
		}
		if err != nil {
			t.Fatal(err)
		}
		if x != 1 {
			t.Fatalf("%s: x = %d", dir, x)
		}
		<-done
	}
}
