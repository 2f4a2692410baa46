package ws_test

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/internal/wsconf"
	"github.com/autobahn-go/autobahn/ws"
)

// serveFunc accepts connections on a loopback listener and runs each with
// the package-level ws.Serve (after ws.UpgradeConn); everything ends with
// the test.
func serveFunc(t *testing.T, h ws.Handler, opts *ws.Options) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				c, err := ws.UpgradeConn(ctx, nc, h, opts)
				if err != nil {
					nc.Close()
					return
				}
				ws.Serve(ctx, c, h)
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		cancel()
		wg.Wait()
	})
	return ln.Addr().String()
}

// TestServePanicContained: a panicking handler run by the package-level
// ws.Serve closes only its connection, with 1011 (OnOpen, OnMessage), gets
// its OnClose once, is logged once with its stack and counted in
// ServePanics; a panic in OnClose is logged and counted too; the process
// and the other connections go on.
func TestServePanicContained(t *testing.T) {
	var logs wsconf.LogBuffer
	h := &wsconf.Panicker{Closed: make(chan ws.StatusCode, 8)}
	opts := &ws.Options{Logger: slog.New(slog.NewTextHandler(&logs, nil)), CloseTimeout: time.Second}
	url := "ws://" + serveFunc(t, h, opts) + "/"
	before := ws.ServePanics()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var ce *ws.CloseError
	for _, tc := range []struct {
		msg  string
		opts *ws.Options
	}{{"message", nil}, {"", &ws.Options{Subprotocols: []string{"panic-open"}}}} {
		c := dialT(t, url, tc.opts)
		if tc.msg != "" {
			if err := c.WriteMessage(ctx, ws.OpText, []byte(tc.msg)); err != nil {
				t.Fatal(err)
			}
		}
		if _, _, err := c.ReadMessage(ctx); !errors.As(err, &ce) || ce.Code != ws.StatusInternalError {
			t.Fatalf("after a panic (%q): %v, want 1011", tc.msg, err)
		}
		if code := <-h.Closed; code != ws.StatusInternalError {
			t.Fatalf("OnClose got %v, want 1011", code)
		}
	}

	c := dialT(t, url, nil)
	if err := c.WriteMessage(ctx, ws.OpText, []byte("close")); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.ReadMessage(ctx); !errors.As(err, &ce) || ce.Code != ws.StatusNormalClosure {
		t.Fatalf("close: %v, want 1000", err)
	}
	<-h.Closed // then OnClose panics

	c = dialT(t, url, nil)
	if err := c.WriteMessage(ctx, ws.OpText, []byte("still there")); err != nil {
		t.Fatal(err)
	}
	if _, p, err := c.ReadMessage(ctx); err != nil || string(p) != "still there" {
		t.Fatalf("echo after panics: %q %v", p, err)
	}
	for ws.ServePanics()-before != 3 {
		if ctx.Err() != nil {
			t.Fatalf("ServePanics() rose by %d, want 3", ws.ServePanics()-before)
		}
		time.Sleep(5 * time.Millisecond)
	}
	logs.CheckPanics(t, "OnMessage", "OnOpen", "OnClose")
}

// TestServePanicCrash: with the connection's Options.PanicCrash, a panic
// under the package-level Serve ends the process (run in a child).
func TestServePanicCrash(t *testing.T) {
	if os.Getenv("WS_SERVE_PANIC_CRASH_CHILD") == "1" {
		h := &wsconf.Panicker{Closed: make(chan ws.StatusCode, 8)}
		url := "ws://" + serveFunc(t, h, &ws.Options{PanicCrash: true}) + "/"
		c := dialT(t, url, nil)
		_ = c.WriteMessage(context.Background(), ws.OpText, []byte("message"))
		_, _, _ = c.ReadMessage(context.Background())
		t.Fatal("still alive")
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestServePanicCrash$", "-test.count=1")
	cmd.Env = append(os.Environ(), "WS_SERVE_PANIC_CRASH_CHILD=1")
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "panic: in OnMessage") {
		t.Fatalf("child: %v\n%s", err, out)
	}
}
