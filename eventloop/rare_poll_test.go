//go:build linux && !eventloop_goroutines

package eventloop

import (
	"errors"
	"io"
	"sync"
	"testing"
	"time"
)

// TestAsyncWriteFirstRacesWake: the first AsyncWrites of a connection, two
// at once, which make its connRare (one of them wins), while the loop
// handles the Wake-ups of another goroutine: both writes arrive, neither
// left in a connRare that lost or waiting for a wake-up that does not come
// (the loop clears aQueued before it looks for connRare).
func TestAsyncWriteFirstRacesWake(t *testing.T) {
	opened := make(chan *Conn, 1)
	closed := make(chan struct{}, 1)
	_, addr := serve(t, Config{Loops: 1}, &funcs{
		open:  func(c *Conn) { opened <- c },
		close: func(*Conn, error) { closed <- struct{}{} },
	})
	for round := 0; round < 300; round++ {
		cl := dialStd(t, addr)
		sc := <-opened
		start := make(chan struct{})
		var wg sync.WaitGroup
		wg.Add(3)
		go func() {
			defer wg.Done()
			<-start
			for i := 0; i < 20; i++ {
				sc.Wake()
			}
		}()
		for _, b := range []byte{'a', 'b'} {
			go func() {
				defer wg.Done()
				<-start
				if err := sc.AsyncWrite([]byte{b}); err != nil {
					t.Errorf("round %d: AsyncWrite: %v", round, err)
				}
			}()
		}
		close(start)
		wg.Wait()
		var b [2]byte
		cl.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := io.ReadFull(cl, b[:]); err != nil || b != [2]byte{'a', 'b'} && b != [2]byte{'b', 'a'} {
			t.Fatalf("round %d: read %q, %v", round, b[:], err)
		}
		cl.Close()
		<-closed
	}
}

// TestAsyncWriteRacesReset: AsyncWrites, the first of them making the
// connRare, race a close by the loop straight from open (a reset by the
// peer): once every writer saw ErrClosed, nothing they wrote stays held in
// connRare, which lives as long as the Conn.
func TestAsyncWriteRacesReset(t *testing.T) {
	const writers = 4
	opened := make(chan *Conn, 1)
	closed := make(chan struct{}, 1)
	_, addr := serve(t, Config{Loops: 1}, &funcs{
		open:  func(c *Conn) { opened <- c },
		data:  func(_ *Conn, in []byte) int { return len(in) },
		close: func(*Conn, error) { closed <- struct{}{} },
	})
	for round := 0; round < 300; round++ {
		cl := dialStd(t, addr)
		sc := <-opened
		start := make(chan struct{})
		var wg sync.WaitGroup
		for g := 0; g < writers; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				for {
					err := sc.AsyncWrite([]byte("12345678"))
					if errors.Is(err, ErrClosed) {
						return
					}
					if err != nil && !errors.Is(err, ErrQueueFull) {
						t.Errorf("AsyncWrite: %v", err)
						return
					}
				}
			}()
		}
		cl.SetLinger(0) // close with a reset: the loop closes sc at once, from open
		close(start)
		cl.Close()
		<-closed
		wg.Wait()
		if r := sc.rare.Load(); r != nil {
			r.mu.Lock()
			n := len(r.async)
			r.mu.Unlock()
			if n != 0 {
				t.Fatalf("round %d: %d bytes of AsyncWrite held after the close", round, n)
			}
		}
	}
}
