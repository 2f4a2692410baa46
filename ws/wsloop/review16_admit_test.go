package wsloop_test

import (
	"context"
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/eventloop"
	"github.com/autobahn-go/autobahn/internal/wsconf"
	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/wsloop"
	"github.com/autobahn-go/autobahn/ws/wsmetrics"
)

// review16Echo echoes every message; OnConnect refuses the target
// /refuse with 403.
type review16Echo struct{ ws.BaseHandler }

func (review16Echo) OnConnect(r *ws.ConnectRequest) (ws.Accept, error) {
	if r.Target == "/refuse" {
		return ws.Accept{}, &ws.HandshakeError{Status: 403, Reason: "refused by the test"}
	}
	return ws.Accept{}, nil
}

func (review16Echo) OnMessage(c *ws.Conn, op ws.Opcode, p []byte) {
	_ = c.WriteMessage(context.Background(), op, p)
}

// review16Bound is a Server.Admit that lets n connections in at once and
// counts what it admitted and released.
type review16Bound struct {
	n                  int64
	open               atomic.Int64
	admitted, released atomic.Int64
	panics             atomic.Int64 // Admit panics this many more times
}

var errBoundFull = errors.New("the test's bound is full")

func (b *review16Bound) admit() (func(), error) {
	if b.panics.Add(-1) >= 0 {
		panic("Admit panics for the test")
	}
	if b.open.Add(1) > b.n {
		b.open.Add(-1)
		return nil, errBoundFull
	}
	b.admitted.Add(1)
	var once sync.Once
	return func() {
		once.Do(func() { b.open.Add(-1); b.released.Add(1) })
	}, nil
}

func review16Dial(ctx context.Context, t *testing.T, url string) (*ws.Conn, error) {
	t.Helper()
	c, err := ws.Dial(ctx, url, nil)
	if err != nil {
		return nil, err
	}
	t.Cleanup(func() { c.CloseNow() })
	if err := c.WriteMessage(ctx, ws.OpText, []byte("hi")); err != nil {
		t.Fatal(err)
	}
	if _, p, err := c.ReadMessage(ctx); err != nil || string(p) != "hi" {
		t.Fatalf("echo: %q, %v", p, err)
	}
	// Read on: a server's close frame is answered at once.
	go func() {
		for {
			if _, _, err := c.ReadMessage(context.Background()); err != nil {
				return
			}
		}
	}()
	return c, nil
}

func review16Status(err error) int {
	var he *ws.HandshakeError
	if errors.As(err, &he) {
		return he.Status
	}
	return 0
}

// review16Poll waits, up to 5 s, for cond.
func review16Poll(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after 5 s: %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// TestReview16Admit: Server.Admit admits every upgrade, after
// MaxConnections: its refusal is answered 503 and counted; its release runs once per admitted connection, when the
// connection ends, when the handshake fails after it (OnConnect's
// refusal), and at Shutdown; a panic of Admit gives the server's own slot
// back.
func TestReview16Admit(t *testing.T) {
	b := &review16Bound{n: 1}
	m := new(wsmetrics.Set)
	srv := &wsloop.Server{Handler: review16Echo{}, Options: &ws.Options{MaxConnections: 1},
		Config: eventloop.Config{Loops: 1}, Metrics: m, Admit: b.admit}
	addr, stop := wsconf.StartLoop(t, srv)
	url := "ws://" + addr.String()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	c1, err := review16Dial(ctx, t, url+"/")
	if err != nil {
		t.Fatal(err)
	}
	_ = c1
	// MaxConnections 1 refuses first: Admit is not asked.
	if _, err := ws.Dial(ctx, url+"/", nil); review16Status(err) != 503 {
		t.Fatalf("beyond MaxConnections: %v, want 503", err)
	}
	if b.admitted.Load() != 1 {
		t.Fatalf("Admit admitted %d, want 1", b.admitted.Load())
	}
	if err := c1.Close(ws.StatusNormalClosure, ""); err != nil {
		t.Fatal(err)
	}
	review16Poll(t, "the closed connection's release", func() bool { return b.released.Load() == 1 })

	// A handshake refused after Admit: released.
	if _, err := ws.Dial(ctx, url+"/refuse", nil); review16Status(err) != 403 {
		t.Fatalf("/refuse: %v, want 403", err)
	}
	review16Poll(t, "the refused handshake's release", func() bool { return b.released.Load() == 2 })

	// Admit's refusal: 503, counted.
	b.open.Store(1) // as if another server held the bound
	if _, err := ws.Dial(ctx, url+"/", nil); review16Status(err) != 503 {
		t.Fatalf("Admit refused: %v, want 503", err)
	}
	b.open.Store(0)
	if n := m.Snapshot().Rejected["503"]; n != 2 {
		t.Fatalf("Rejected[503] = %d, want 2", n)
	}
	// The server's own slot went back when Admit refused: one fits.
	// Admit panicking (contained): the slot goes back too.
	b.panics.Store(1)
	if _, err := ws.Dial(ctx, url+"/", nil); err == nil {
		t.Fatal("the handshake went on after Admit panicked")
	}
	if _, err := review16Dial(ctx, t, url+"/"); err != nil {
		t.Fatalf("after Admit refused and panicked, with nothing open: %v", err)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if a, r := b.admitted.Load(), b.released.Load(); a != 3 || r != 3 {
		t.Fatalf("after Shutdown: admitted %d, released %d, want 3 and 3", a, r)
	}
	if srv.Panics() != 1 {
		t.Fatalf("Panics() = %d, want 1", srv.Panics())
	}
}

// TestReview16AdmitWith: AdmitWith(s) makes a loop server admit under
// s's MaxConnections, together with s's own connections: one open on
// either refuses the other's next with 503, and a slot freed on one
// serves the other.
func TestReview16AdmitWith(t *testing.T) {
	wsrv := &ws.Server{Handler: review16Echo{}, Options: &ws.Options{MaxConnections: 1}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- wsrv.Serve(ln) }()
	lsrv := &wsloop.Server{Handler: review16Echo{}, Config: eventloop.Config{Loops: 1}, Admit: wsloop.AdmitWith(wsrv)}
	addr, stop := wsconf.StartLoop(t, lsrv)
	loop, std := "ws://"+addr.String()+"/", "ws://"+ln.Addr().String()+"/"
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	onStd, err := review16Dial(ctx, t, std)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ws.Dial(ctx, loop, nil); review16Status(err) != 503 {
		t.Fatalf("on the loop with the ws.Server's one slot taken: %v, want 503", err)
	}
	if err := onStd.Close(ws.StatusNormalClosure, ""); err != nil {
		t.Fatal(err)
	}
	review16Poll(t, "a loop connection admitted after the close", func() bool {
		_, err := review16Dial(ctx, t, loop)
		return err == nil
	})
	if _, err := ws.Dial(ctx, std, nil); review16Status(err) != 503 {
		t.Fatalf("on the ws.Server with the loop holding the slot: %v, want 503", err)
	}
	// Shut down together: the ws.Server waits for the loop's connection.
	errs := make(chan error, 2)
	go func() { errs <- wsrv.Shutdown(ctx) }()
	go func() { errs <- stop() }()
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if err := <-served; !errors.Is(err, ws.ErrClosed) {
		t.Fatalf("Serve: %v", err)
	}
}
