package interop

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

func TestGorillaClientOurServer(t *testing.T) {
	for _, driver := range drivers {
		t.Run(driver, func(t *testing.T) { gorillaClient(t, driver) })
	}
}

func gorillaClient(t *testing.T, driver string) {
	rec := newRecorder()
	url := ourServerOn(t, rec, driver)
	c, _, err := websocket.DefaultDialer.Dial(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetReadLimit(8 << 20)
	_ = c.SetReadDeadline(time.Now().Add(30 * time.Second))
	pong := make(chan string, 1)
	c.SetPongHandler(func(s string) error { pong <- s; return nil })
	if err := c.WriteControl(websocket.PingMessage, []byte("hi"), time.Now().Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	for _, m := range payloads() {
		typ := websocket.TextMessage
		if m.binary {
			typ = websocket.BinaryMessage
		}
		// Gorilla's NextWriter sends a fragmented message.
		w, err := c.NextWriter(typ)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < len(m.p); i += 3000 {
			_, _ = w.Write(m.p[i:min(i+3000, len(m.p))])
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		gotTyp, got, err := c.ReadMessage()
		if err != nil || gotTyp != typ || !bytes.Equal(got, m.p) {
			t.Fatalf("echo of %d bytes: %v %d bytes %v", len(m.p), gotTyp, len(got), err)
		}
	}
	select {
	case s := <-pong:
		if s != "hi" {
			t.Fatalf("pong %q", s)
		}
	default:
		t.Fatal("no pong")
	}
	_ = c.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(4001, "bye"), time.Now().Add(time.Second))
	_, _, err = c.ReadMessage()
	if !websocket.IsCloseError(err, 4001) {
		t.Fatalf("close echo: %v", err)
	}
	if got := rec.last(t); got != "StatusCode(4001) bye" {
		t.Fatalf("server saw %q", got)
	}
}

func TestGorillaClientInvalidUTF8(t *testing.T) {
	rec := newRecorder()
	url := ourServer(t, rec)
	c, _, err := websocket.DefaultDialer.Dial(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// Gorilla does not validate what it sends.
	if err := c.WriteMessage(websocket.TextMessage, []byte{0xce, 0xba, 0xff}); err != nil {
		t.Fatal(err)
	}
	_, _, err = c.ReadMessage()
	if !websocket.IsCloseError(err, websocket.CloseInvalidFramePayloadData) {
		t.Fatalf("got %v, want close 1007", err)
	}
}

func TestOurClientGorillaServer(t *testing.T) {
	up := websocket.Upgrader{}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		for {
			typ, p, err := c.ReadMessage()
			if err != nil {
				return
			}
			if err := c.WriteMessage(typ, p); err != nil {
				return
			}
		}
	}))
	defer ts.Close()
	ourClientEcho(t, "ws"+strings.TrimPrefix(ts.URL, "http"))
}
