package ws_test

import (
	"bufio"
	"context"
	"encoding/binary"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/internal/testpeer"
	"github.com/autobahn-go/autobahn/ws"
)

// closeWatcher is a raw client that reads until the server's close frame,
// notes its code and when it came, answers it and waits for the end.
type closeWatcher struct {
	nc   net.Conn
	br   *bufio.Reader
	code int       // 0: no close frame
	at   time.Time // when it came
}

// rawUpgrade dials addr and completes a WebSocket handshake on a bare
// socket.
func rawUpgrade(addr string) (net.Conn, *bufio.Reader, error) {
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, nil, err
	}
	_ = nc.SetDeadline(time.Now().Add(20 * time.Second))
	if _, err := io.WriteString(nc, testpeer.UpgradeRequest); err != nil {
		nc.Close()
		return nil, nil, err
	}
	br := bufio.NewReaderSize(nc, 256)
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			nc.Close()
			return nil, nil, err
		}
		if line == "\r\n" {
			return nc, br, nil
		}
	}
}

// watch reads frames until a close frame, answers it and reads to EOF.
func (w *closeWatcher) watch() {
	defer w.nc.Close()
	var hdr [2]byte
	buf := make([]byte, 125)
	for {
		if _, err := io.ReadFull(w.br, hdr[:]); err != nil {
			return
		}
		op, n := hdr[0]&0x0f, int(hdr[1]&0x7f)
		if n > 125 {
			return // only control frames are expected
		}
		if _, err := io.ReadFull(w.br, buf[:n]); err != nil {
			return
		}
		if op != 0x8 {
			continue
		}
		w.at = time.Now()
		w.code = 1005
		if n >= 2 {
			w.code = int(binary.BigEndian.Uint16(buf))
		}
		// The reply, masked with a zero key.
		_, _ = w.nc.Write(append([]byte{0x88, 0x80 | byte(min(n, 2)), 0, 0, 0, 0}, buf[:min(n, 2)]...))
		_, _ = io.Copy(io.Discard, w.br)
		return
	}
}

// TestServerShutdownManyConns: 2,000 connections that read and answer,
// 50 that never read (nor answer), 3 whose output is stuck behind a flood:
// Shutdown sends every connection its 1001 at once and waits once for all,
// so every reading client has its close frame within CloseTimeout + 1 s
// of the call (a shutdown that waited for the silent peers one after
// another would take 50 close timeouts). How long Shutdown takes after
// the deadline, draining, is logged, not asserted: it is the machine's
// load (TestServerShutdownParallelBounded bounds it at 200 connections).
func TestServerShutdownManyConns(t *testing.T) {
	if testing.Short() {
		t.Skip("2,000 connections")
	}
	const (
		good         = 2000
		silent       = 50
		closeTimeout = 3 * time.Second
	)
	h := &flooder{}
	srv := &ws.Server{Handler: h, Options: &ws.Options{CloseTimeout: closeTimeout, PingInterval: -1}}
	addr := serveRaw(t, srv)

	watchers := make([]*closeWatcher, good)
	var mu sync.Mutex
	var dialErr error
	var dialers sync.WaitGroup
	next := make(chan int)
	for range 16 {
		dialers.Add(1)
		go func() {
			defer dialers.Done()
			for i := range next {
				nc, br, err := rawUpgrade(addr)
				if err != nil {
					mu.Lock()
					dialErr = err
					mu.Unlock()
					continue
				}
				_ = nc.SetDeadline(time.Now().Add(30 * time.Second))
				watchers[i] = &closeWatcher{nc: nc, br: br}
			}
		}()
	}
	for i := range good {
		next <- i
	}
	close(next)
	dialers.Wait()
	if dialErr != nil {
		for _, w := range watchers {
			if w != nil {
				w.nc.Close()
			}
		}
		t.Fatalf("dial: %v", dialErr)
	}
	for range silent {
		nc, _, err := rawUpgrade(addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { nc.Close() })
	}
	for range 3 {
		testpeer.Stuck(t, addr)
	}
	var readers sync.WaitGroup
	for _, w := range watchers {
		readers.Add(1)
		go func() { defer readers.Done(); w.watch() }()
	}

	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := srv.Shutdown(ctx)
	took := time.Since(start)
	readers.Wait()
	h.wg.Wait()
	if err != nil {
		t.Fatalf("Shutdown: %v (after %v)", err, took)
	}
	var late, missing, other int
	var last time.Duration
	for _, w := range watchers {
		switch {
		case w.code == 0:
			missing++
		case w.code != int(ws.StatusGoingAway):
			other++
		default:
			last = max(last, w.at.Sub(start))
			if w.at.Sub(start) > closeTimeout+time.Second {
				late++
			}
		}
	}
	t.Logf("Shutdown took %v; last 1001 after %v", took, last)
	if missing > 0 || other > 0 || late > 0 {
		t.Fatalf("of %d reading clients: %d got no close frame, %d another code, %d their 1001 after CloseTimeout + 1 s",
			good, missing, other, late)
	}
}
