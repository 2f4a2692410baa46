//go:build linux

package eventloop

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// funcs is a Handler made of functions; a nil OnData echoes.
type funcs struct {
	open     func(c *Conn)
	data     func(c *Conn, in []byte) int
	writable func(c *Conn)
	close    func(c *Conn, err error)
}

func (h *funcs) OnOpen(c *Conn) {
	if h.open != nil {
		h.open(c)
	}
}

func (h *funcs) OnData(c *Conn, in []byte) int {
	if h.data != nil {
		return h.data(c, in)
	}
	c.Write(in)
	return len(in)
}

func (h *funcs) OnWritable(c *Conn) {
	if h.writable != nil {
		h.writable(c)
	}
}

func (h *funcs) OnClose(c *Conn, err error) {
	if h.close != nil {
		h.close(c, err)
	}
}

// serve runs a loop listening on 127.0.0.1:0 until the test ends.
func serve(t testing.TB, cfg Config, h Handler) (*Loop, string) {
	t.Helper()
	l, err := New(cfg, h)
	if err != nil {
		t.Fatal(err)
	}
	addr, err := l.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- l.Run() }()
	// A test that never needs the loop (the goroutine fallback dials without it) may end before Run
	// starts; Run after Shutdown returns ErrClosed by design, so wait until it runs.
	waitFor(t, "Run to start", func() bool { return l.state.Load() != loopNew })
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := l.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	return l, addr.String()
}

func dialStd(t testing.TB, addr string) *net.TCPConn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c.(*net.TCPConn)
}

// waitFor polls cond for up to 10 s.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestEcho(t *testing.T) {
	t.Run("Write", func(t *testing.T) { testEcho(t, &funcs{}) })
	t.Run("Writev", func(t *testing.T) {
		testEcho(t, &funcs{data: func(c *Conn, in []byte) int {
			h := len(in) / 3
			if _, err := c.Writev(in[:h], nil, in[h:]); err != nil {
				t.Errorf("Writev: %v", err)
			}
			return len(in)
		}})
	})
}

func testEcho(t *testing.T, h Handler) {
	_, addr := serve(t, Config{}, h)
	c := dialStd(t, addr)
	c.SetDeadline(time.Now().Add(10 * time.Second))
	for _, n := range []int{1, 100, 70000, 1 << 20} {
		msg := bytes.Repeat([]byte{byte(n)}, n)
		errc := make(chan error, 1)
		go func() { _, err := c.Write(msg); errc <- err }()
		got := make([]byte, n)
		if _, err := io.ReadFull(c, got); err != nil {
			t.Fatal(err)
		}
		if err := <-errc; err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, msg) {
			t.Fatalf("echo of %d bytes differs", n)
		}
	}
}

// TestSyscallsPerMessage: a request/response exchange costs the server exactly one read and one
// write per message.
func TestSyscallsPerMessage(t *testing.T) {
	if fallback {
		t.Skip("the fallback reads and writes on goroutines of its own")
	}
	l, addr := serve(t, Config{Loops: 1}, &funcs{})
	c := dialStd(t, addr)
	c.SetDeadline(time.Now().Add(10 * time.Second))
	const n = 200
	msg := make([]byte, 32)
	for i := 0; i < n; i++ {
		c.Write(msg)
		if _, err := io.ReadFull(c, msg); err != nil {
			t.Fatal(err)
		}
	}
	// The echo can arrive before the server counted its write.
	waitFor(t, "the last write to be counted", func() bool { return l.Stats().Writes >= n })
	st := l.Stats()
	if st.Reads != n || st.Writes != n || st.BytesRead != 32*n || st.BytesWritten != 32*n {
		t.Fatalf("%d messages: %d reads, %d writes, %d/%d bytes", n, st.Reads, st.Writes, st.BytesRead, st.BytesWritten)
	}
}

// TestPartialInput: OnData consumes whole lines only; the rest comes back with the next input.
func TestPartialInput(t *testing.T) {
	var lines []string
	var mu sync.Mutex
	h := &funcs{data: func(c *Conn, in []byte) int {
		n := 0
		for {
			i := bytes.IndexByte(in[n:], '\n')
			if i < 0 {
				return n
			}
			mu.Lock()
			lines = append(lines, string(in[n:n+i]))
			mu.Unlock()
			c.Writev([]byte("<"), in[n:n+i], []byte(">\n"))
			n += i + 1
		}
	}}
	_, addr := serve(t, Config{}, h)
	c := dialStd(t, addr)
	for _, part := range []string{"he", "llo\nwor", "ld\n", "x\ny\n"} {
		c.Write([]byte(part))
		time.Sleep(5 * time.Millisecond)
	}
	r := bufio.NewReader(c)
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	for _, want := range []string{"<hello>", "<world>", "<x>", "<y>"} {
		got, err := r.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		if strings.TrimSpace(got) != want {
			t.Fatalf("got %q, want %q", got, want)
		}
	}
}

// TestDialEcho: client and server both on loops, at GOMAXPROCS=1 and at the default.
func TestDialEcho(t *testing.T) {
	for _, procs := range []int{1, runtime.GOMAXPROCS(0)} {
		t.Run(fmt.Sprintf("GOMAXPROCS=%d", procs), func(t *testing.T) {
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
			testDialEcho(t, 20, 300)
		})
	}
}

func testDialEcho(t *testing.T, conns, rounds int) {
	_, addr := serve(t, Config{}, &funcs{})
	var done sync.WaitGroup
	done.Add(conns)
	msg := []byte("0123456789abcdef0123456789abcdef")
	client := &funcs{
		open: func(c *Conn) { c.Write(msg) },
		data: func(c *Conn, in []byte) int {
			if len(in) < len(msg) {
				return 0
			}
			n := c.Context().(*int)
			*n++
			if *n == rounds {
				c.Close()
				return len(in)
			}
			c.Write(in[:len(msg)])
			return len(msg)
		},
		close: func(c *Conn, err error) {
			if err != nil || *c.Context().(*int) != rounds {
				t.Errorf("client closed after %d rounds: %v", *c.Context().(*int), err)
			}
			done.Done()
		},
	}
	cl, _ := serve(t, Config{Loops: 1}, client)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for i := 0; i < conns; i++ {
		if _, err := cl.DialWith(ctx, "tcp", addr, DialOptions{Value: new(int)}); err != nil {
			t.Fatal(err)
		}
	}
	done.Wait()
	st := cl.Stats()
	if st.Dialed != uint64(conns) || st.Closed != uint64(conns) {
		t.Fatalf("client stats %+v", st)
	}
}

func TestDialRefused(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	l, _ := serve(t, Config{Loops: 1}, &funcs{})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := l.Dial(ctx, "tcp", addr); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("Dial to a closed port: %v", err)
	}
	if _, err := l.Dial(ctx, "udp", addr); !errors.Is(err, ErrNetwork) {
		t.Fatalf("Dial udp: %v", err)
	}
}

func TestHalfClose(t *testing.T) {
	closed := make(chan error, 2)
	got := make(chan string, 4)
	h := &funcs{
		data: func(c *Conn, in []byte) int {
			got <- string(in)
			if string(in) == "fin" {
				c.CloseWrite()
				return len(in)
			}
			c.Write(in)
			return len(in)
		},
		close: func(c *Conn, err error) { closed <- err },
	}
	_, addr := serve(t, Config{}, h)

	// The peer half-closes: the echo still arrives, then the server closes with io.EOF.
	c := dialStd(t, addr)
	c.Write([]byte("hello"))
	c.CloseWrite()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	b, err := io.ReadAll(c)
	if err != nil || string(b) != "hello" {
		t.Fatalf("read %q, %v", b, err)
	}
	if err := <-closed; err != io.EOF {
		t.Fatalf("OnClose: %v, want io.EOF", err)
	}
	<-got

	// The server half-closes: the peer sees EOF and can still send.
	c = dialStd(t, addr)
	c.Write([]byte("fin"))
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if b, err := io.ReadAll(c); err != nil || len(b) != 0 {
		t.Fatalf("after CloseWrite read %q, %v", b, err)
	}
	<-got
	c.Write([]byte("more"))
	if s := <-got; s != "more" {
		t.Fatalf("server got %q after its CloseWrite", s)
	}
	c.Close()
	if err := <-closed; err != io.EOF {
		t.Fatalf("OnClose: %v", err)
	}
}

func TestPeerReset(t *testing.T) {
	closed := make(chan error, 1)
	_, addr := serve(t, Config{}, &funcs{close: func(c *Conn, err error) { closed <- err }})
	c := dialStd(t, addr)
	c.Write([]byte("x"))
	b := make([]byte, 1)
	io.ReadFull(c, b)
	c.SetLinger(0)
	c.Close()
	select {
	case err := <-closed:
		if !errors.Is(err, syscall.ECONNRESET) {
			t.Fatalf("OnClose: %v, want ECONNRESET", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no OnClose after reset")
	}
}

func TestUnixSocket(t *testing.T) {
	l, err := New(Config{Loops: 1}, &funcs{})
	if err != nil {
		t.Fatal(err)
	}
	path := t.TempDir() + "/s"
	if _, err := l.Listen("unix", path); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- l.Run() }()
	c, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	c.Write([]byte("hi"))
	b := make([]byte, 2)
	if _, err := io.ReadFull(c, b); err != nil || string(b) != "hi" {
		t.Fatalf("%q %v", b, err)
	}
	c.Close()
	l.Shutdown(context.Background())
	<-done
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("socket file left behind: %v", err)
	}
}
