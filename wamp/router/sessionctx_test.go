package router

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
	"github.com/autobahn-go/autobahn/wamp/transport/websocket"
)

// sendCtx answers Err without making the session's context, and its Done
// is the session's context's, canceled with the session.
func TestSendCtx(t *testing.T) {
	for _, doneFirst := range []bool{false, true} {
		s := &session{}
		ctx := sendCtx{s}
		if err := ctx.Err(); err != nil {
			t.Fatalf("Err = %v before cancel", err)
		}
		var done <-chan struct{}
		if doneFirst {
			done = ctx.Done()
			select {
			case <-done:
				t.Fatal("Done closed before cancel")
			default:
			}
		}
		fired := make(chan struct{})
		stop := context.AfterFunc(ctx, func() { close(fired) })
		defer stop()
		s.cancelContext()
		if err := ctx.Err(); err != context.Canceled {
			t.Fatalf("Err = %v after cancel", err)
		}
		if !doneFirst {
			done = ctx.Done()
		}
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("Done not closed after cancel")
		}
		select {
		case <-fired:
		case <-time.After(10 * time.Second):
			t.Fatal("AfterFunc on sendCtx did not run after cancel")
		}
	}
}

// A joined session that went idle on a goroutine transport holds no
// context: its writer sent WELCOME without making one.
func TestIdleSessionNoContext(t *testing.T) {
	r, err := New(Config{Realms: []RealmConfig{{Name: "realm1", AllowAnonymous: true}}})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close(context.Background())
	opts := websocket.Options{Serializers: []wamp.Serializer{json.Serializer{}}}
	done := make(chan error, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		c, err := websocket.Accept(w, req, opts)
		if err != nil {
			done <- err
			return
		}
		done <- r.ServeTransport(context.Background(), c)
	}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	client, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http"), opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := client.Send(ctx, &wamp.Hello{Realm: "realm1", Details: wamp.Dict{"roles": wamp.Dict{"caller": wamp.Dict{}}}}); err != nil {
		t.Fatal(err)
	}
	m, err := client.Recv(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := m.(*wamp.Welcome); !ok {
		t.Fatalf("got %v, want WELCOME", m)
	}
	r.mu.Lock()
	var sessions []*session
	for s := range r.sessions {
		sessions = append(sessions, s)
	}
	r.mu.Unlock()
	if len(sessions) != 1 {
		t.Fatalf("%d sessions, want 1", len(sessions))
	}
	s := sessions[0]
	s.graceMu.Lock()
	made := s.ctx != nil
	s.graceMu.Unlock()
	if made {
		t.Error("an idle joined session made a context")
	}
	client.Close()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("ServeTransport did not return after the client closed")
	}
}
