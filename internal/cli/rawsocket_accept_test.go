package cli

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"os"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
	"github.com/autobahn-go/autobahn/wamp/transport/rawsocket"
)

// flakyListener fails its first Accept as a process out of descriptors
// does (EMFILE, which net/http's Serve rides out), then hands out conns.
type flakyListener struct {
	mu     sync.Mutex
	failed bool
	conns  chan net.Conn
	done   chan struct{}
	once   sync.Once
}

func (l *flakyListener) Accept() (net.Conn, error) {
	l.mu.Lock()
	first := !l.failed
	l.failed = true
	l.mu.Unlock()
	if first {
		return nil, &net.OpError{Op: "accept", Net: "tcp", Err: os.NewSyscallError("accept4", syscall.EMFILE)}
	}
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *flakyListener) Close() error   { l.once.Do(func() { close(l.done) }); return nil }
func (l *flakyListener) Addr() net.Addr { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)} }

// TestReviewRawSocketAcceptSurvivesEMFILE: a RawSocket listener whose
// Accept fails for a while (EMFILE: descriptors run out under load) must
// go on accepting once they are back, not stop for good (silently: the
// port still listens, and clients hang in the handshake).
func TestReviewRawSocketAcceptSurvivesEMFILE(t *testing.T) {
	ln := &flakyListener{conns: make(chan net.Conn, 1), done: make(chan struct{})}
	cs := &configServer{log: slog.New(slog.DiscardHandler)}
	cs.ctx, cs.cancel = context.WithCancel(context.Background())
	attached := make(chan wamp.Transport, 1)
	cs.acceptRawSocket(ln, rawsocket.ServerOptions{Serializers: []wamp.Serializer{json.Serializer{}}}, func(tr wamp.Transport) error {
		attached <- tr
		return nil
	})
	defer func() {
		ln.Close()
		cs.cancel()
		cs.wg.Wait()
	}()
	client, server := net.Pipe()
	defer client.Close()
	ln.conns <- server
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := rawsocket.Client(ctx, client, rawsocket.Options{Serializer: json.Serializer{}})
	if err != nil {
		t.Fatalf("handshake after a failed Accept: %v", err)
	}
	select {
	case tr := <-attached:
		tr.Close()
	case <-ctx.Done():
		t.Fatal("no session attached")
	}
	_ = c
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		t.Fatal("timed out")
	}
}
