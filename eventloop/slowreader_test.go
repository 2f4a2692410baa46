//go:build linux

package eventloop

import (
	"bufio"
	"encoding/binary"
	"errors"
	"io"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestSlowReader: a peer that sends without reading. With SlowReaderPause the server stops reading
// once its queue passes the high watermark, so its memory stays bounded while the peer's writes
// block; everything arrives once the peer reads.
func TestSlowReader(t *testing.T) {
	const high = 256 << 10
	var maxQueued atomic.Int64
	h := &funcs{data: func(c *Conn, in []byte) int {
		if _, err := c.Write(in); err != nil {
			t.Errorf("Write: %v", err)
		}
		if q := int64(c.Queued()); q > maxQueued.Load() {
			maxQueued.Store(q)
		}
		return len(in)
	}}
	cfg := Config{Loops: 1, WriteHighWatermark: high, ReadBufferSize: 16 << 10}
	l, addr := serve(t, cfg, h)
	c := dialStd(t, addr)
	c.SetReadBuffer(64 << 10)
	c.SetWriteBuffer(64 << 10)
	const total = 32 << 20
	sent := make(chan int64, 1)
	go func() {
		chunk := make([]byte, 64<<10)
		var n int64
		c.SetWriteDeadline(time.Now().Add(time.Second))
		for n < total {
			m, err := c.Write(chunk)
			n += int64(m)
			if err != nil {
				break
			}
		}
		sent <- n
	}()
	n := <-sent
	if n >= total {
		t.Fatalf("peer wrote all %d bytes without reading: no back-pressure", n)
	}
	if q := maxQueued.Load(); q > high+16<<10 {
		t.Fatalf("server queue reached %d bytes, watermark %d", q, high)
	}
	// Now read: every byte written comes back.
	c.SetDeadline(time.Now().Add(10 * time.Second))
	c.CloseWrite()
	got, err := io.Copy(io.Discard, c)
	if err != nil || got != n {
		t.Fatalf("read back %d of %d bytes: %v", got, n, err)
	}
	_ = l
}

func TestSlowReaderClose(t *testing.T) {
	closed := make(chan error, 1)
	h := &funcs{
		data: func(c *Conn, in []byte) int {
			for {
				if _, err := c.Write(make([]byte, 64<<10)); err != nil {
					return len(in)
				}
			}
		},
		close: func(c *Conn, err error) { closed <- err },
	}
	_, addr := serve(t, Config{WriteHighWatermark: 128 << 10, SlowReader: SlowReaderClose}, h)
	c := dialStd(t, addr)
	c.Write([]byte("go"))
	if err := <-closed; !errors.Is(err, ErrSlowReader) {
		t.Fatalf("OnClose: %v", err)
	}
}

func TestSlowReaderDrop(t *testing.T) {
	refused := make(chan int, 1)
	writable := make(chan struct{}, 1)
	h := &funcs{
		data: func(c *Conn, in []byte) int {
			for n := 0; ; n++ {
				if _, err := c.Write(make([]byte, 64<<10)); err != nil {
					if !errors.Is(err, ErrQueueFull) {
						t.Errorf("Write: %v", err)
					}
					refused <- c.Queued()
					return len(in)
				}
			}
		},
		writable: func(c *Conn) { writable <- struct{}{} },
	}
	const high = 128 << 10
	_, addr := serve(t, Config{WriteHighWatermark: high, SlowReader: SlowReaderDrop}, h)
	c := dialStd(t, addr)
	c.Write([]byte("go"))
	if q := <-refused; q > high {
		t.Fatalf("queue %d above the high watermark %d", q, high)
	}
	go io.Copy(io.Discard, c)
	select {
	case <-writable:
	case <-time.After(5 * time.Second):
		t.Fatal("no OnWritable after the queue drained")
	}
}

// TestAsyncWrite: 100 goroutines write to one connection; each one's messages arrive whole and in order.
func TestAsyncWrite(t *testing.T) {
	const writers, msgs = 100, 200
	conns := make(chan *Conn, 1)
	_, addr := serve(t, Config{}, &funcs{open: func(c *Conn) { conns <- c }, data: func(c *Conn, in []byte) int { return len(in) }})
	cl := dialStd(t, addr)
	sc := <-conns
	var wg sync.WaitGroup
	for g := 0; g < writers; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var m [8]byte
			for i := 0; i < msgs; i++ {
				binary.BigEndian.PutUint32(m[:4], uint32(g))
				binary.BigEndian.PutUint32(m[4:], uint32(i))
				for {
					err := sc.AsyncWrite(m[:])
					if err == nil {
						break
					}
					if !errors.Is(err, ErrQueueFull) {
						t.Errorf("AsyncWrite: %v", err)
						return
					}
					time.Sleep(time.Millisecond)
				}
				if i%50 == 0 {
					sc.Wake()
				}
			}
		}()
	}
	next := make([]uint32, writers)
	r := bufio.NewReader(cl)
	cl.SetReadDeadline(time.Now().Add(20 * time.Second))
	var m [8]byte
	for n := 0; n < writers*msgs; n++ {
		if _, err := io.ReadFull(r, m[:]); err != nil {
			t.Fatalf("after %d messages: %v", n, err)
		}
		g, i := binary.BigEndian.Uint32(m[:4]), binary.BigEndian.Uint32(m[4:])
		if g >= writers || i != next[g] {
			t.Fatalf("message %d/%d out of order (want %d)", g, i, next[g])
		}
		next[g]++
	}
	wg.Wait()
	sc.Close()
	if err := sc.AsyncWrite([]byte("x")); !errors.Is(err, ErrClosed) {
		t.Fatalf("AsyncWrite after Close: %v", err)
	}
}

// TestWake: Wake from another goroutine makes the loop call OnWritable, where the handler writes.
func TestWake(t *testing.T) {
	opened := make(chan *Conn, 1)
	var pending atomic.Pointer[string]
	_, addr := serve(t, Config{}, &funcs{
		open: func(c *Conn) { opened <- c },
		writable: func(c *Conn) {
			if p := pending.Swap(nil); p != nil {
				c.Write([]byte(*p))
			}
		},
	})
	cl := dialStd(t, addr)
	sc := <-opened
	msg := "woken"
	pending.Store(&msg)
	if err := sc.Wake(); err != nil {
		t.Fatal(err)
	}
	b := make([]byte, len(msg))
	cl.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.ReadFull(cl, b); err != nil || string(b) != msg {
		t.Fatalf("read %q, %v", b, err)
	}
	if sc.RemoteAddr().String() != cl.LocalAddr().String() || sc.LocalAddr().String() != cl.RemoteAddr().String() {
		t.Fatalf("addresses %v %v vs %v %v", sc.LocalAddr(), sc.RemoteAddr(), cl.LocalAddr(), cl.RemoteAddr())
	}
}
