//go:build linux

package eventloop

import (
	"bytes"
	"io"
	"sync"
	"testing"
)

// TestReviewCloseRacesOnData: Close and AsyncWrite from other goroutines race with OnData that
// writes; every connection gets exactly one OnClose and the echo the peer reads is whole (no
// write lost or torn), on every backend (checked: it holds).
func TestReviewCloseRacesOnData(t *testing.T) {
	const n = 32
	var mu sync.Mutex
	closes := map[*Conn]int{}
	conns := make(chan *Conn, n)
	h := &funcs{
		open: func(c *Conn) { conns <- c },
		close: func(c *Conn, err error) {
			mu.Lock()
			closes[c]++
			mu.Unlock()
		},
	}
	l, addr := serve(t, Config{Loops: 2}, h)
	var wg sync.WaitGroup
	msg := bytes.Repeat([]byte("0123456789abcdef"), 64)
	for i := 0; i < n; i++ {
		cl := dialStd(t, addr)
		sc := <-conns
		wg.Add(2)
		go func() {
			defer wg.Done()
			for j := 0; j < 50; j++ {
				if _, err := cl.Write(msg); err != nil {
					break
				}
			}
			cl.CloseWrite()
		}()
		go func() {
			defer wg.Done()
			// What the peer reads is a prefix of the echo of what it sent: whole
			// messages, in order, cut only by the close.
			b, _ := io.ReadAll(cl)
			for len(b) > 0 {
				k := min(len(b), len(msg))
				if !bytes.Equal(b[:k], msg[:k]) {
					t.Errorf("echo torn at %d", len(b))
					return
				}
				b = b[k:]
			}
		}()
		go func() {
			sc.AsyncWrite(nil)
			sc.Close()
		}()
	}
	wg.Wait()
	// Stats.Conns drops just before OnClose: wait for the calls themselves.
	waitFor(t, "every OnClose", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(closes) == n
	})
	if st := l.Stats(); st.Conns != 0 || st.Closed != n {
		t.Fatalf("after every OnClose: %+v", st)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, k := range closes {
		if k != 1 {
			t.Fatalf("OnClose called %d times", k)
		}
	}
}
