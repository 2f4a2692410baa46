package interop

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

func TestCoderClientOurServer(t *testing.T) {
	rec := newRecorder()
	url := ourServer(t, rec)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	c.SetReadLimit(8 << 20)
	for _, m := range payloads() {
		typ := websocket.MessageText
		if m.binary {
			typ = websocket.MessageBinary
		}
		if err := c.Write(ctx, typ, m.p); err != nil {
			t.Fatal(err)
		}
		gotTyp, got, err := c.Read(ctx)
		if err != nil || gotTyp != typ || !bytes.Equal(got, m.p) {
			t.Fatalf("echo of %d bytes: %v %d bytes %v", len(m.p), gotTyp, len(got), err)
		}
	}
	// coder's Ping needs a concurrent reader to see the pong.
	readErr := make(chan error, 1)
	go func() { _, _, err := c.Read(ctx); readErr <- err }()
	if err := c.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(websocket.StatusGoingAway, "leaving"); err != nil {
		t.Fatal(err)
	}
	<-readErr
	if got := rec.last(t); got != "GoingAway(1001) leaving" {
		t.Fatalf("server saw %q", got)
	}
}

func TestOurClientCoderServer(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		c.SetReadLimit(8 << 20)
		ctx := r.Context()
		for {
			typ, p, err := c.Read(ctx)
			if err != nil {
				return
			}
			if err := c.Write(ctx, typ, p); err != nil {
				return
			}
		}
	}))
	defer ts.Close()
	ourClientEcho(t, "ws"+strings.TrimPrefix(ts.URL, "http"))
}

// A message over our server's limit reaches a coder client as a 1009 close.
func TestCoderClientMessageTooBig(t *testing.T) {
	rec := newRecorder()
	url := ourServer(t, rec)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, url+"?x", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	big := bytes.Repeat([]byte("x"), 5<<20)
	_ = c.Write(ctx, websocket.MessageBinary, big)
	_, _, err = c.Read(ctx)
	var ce websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != websocket.StatusMessageTooBig {
		t.Fatalf("got %v, want 1009", err)
	}
}
