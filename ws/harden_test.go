package ws_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/internal/testpeer"
	"github.com/autobahn-go/autobahn/internal/wsconf"
	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/wshttp"
)

// serveRaw runs srv.Serve on a loopback listener; the listener closes and
// srv shuts down when the test ends.
func serveRaw(t *testing.T, srv *ws.Server) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = srv.Serve(ln); close(done) }()
	t.Cleanup(func() {
		ln.Close()
		<-done
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
	return ln.Addr().String()
}

func dialT(t *testing.T, url string, opts *ws.Options) *ws.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := ws.Dial(ctx, url, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.CloseNow() })
	return c
}

// flooder answers "flood" by writing 64 KiB messages from a goroutine
// until a write fails (the peer reads nothing), else echoes.
type flooder struct {
	ws.BaseHandler
	wg sync.WaitGroup
}

func (h *flooder) OnMessage(c *ws.Conn, _ ws.Opcode, p []byte) {
	if string(p) != "flood" {
		_ = c.WriteMessage(context.Background(), ws.OpText, p)
		return
	}
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		big := make([]byte, 64<<10)
		for c.WriteMessage(context.Background(), ws.OpBinary, big) == nil {
		}
	}()
}

// TestServerShutdownParallelBounded: 200 answering clients, 3 peers that
// read nothing and one stuck in its handshake: every answering client gets
// 1001 and Shutdown returns within CloseTimeout + 1 s.
func TestServerShutdownParallelBounded(t *testing.T) {
	const closeTimeout = 2 * time.Second
	h := &flooder{}
	srv := &ws.Server{Handler: h, Options: &ws.Options{CloseTimeout: closeTimeout}}
	addr := serveRaw(t, srv)
	const good = 200
	got := make(chan error, good)
	for range good {
		c := dialT(t, "ws://"+addr+"/", nil)
		go func() {
			_, _, err := c.ReadMessage(context.Background())
			got <- err
		}()
	}
	for range 3 {
		testpeer.Stuck(t, addr)
	}
	half, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer half.Close()
	if _, err := half.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n")); err != nil {
		t.Fatal(err)
	}
	// A full handshake after it gives the half one time to be admitted
	// (if it was not, it is refused at once: Shutdown waits for it either
	// way no longer than for the others).
	dialT(t, "ws://"+addr+"/", nil)
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	took := time.Since(start)
	t.Logf("Shutdown took %v", took)
	if took > closeTimeout+time.Second {
		t.Fatalf("Shutdown took %v, more than CloseTimeout + 1 s", took)
	}
	for range good {
		var ce *ws.CloseError
		if err := <-got; !errors.As(err, &ce) || ce.Code != ws.StatusGoingAway {
			t.Fatalf("client got %v, want a 1001 close frame", err)
		}
	}
	h.wg.Wait()
}

// TestPanicContained runs a panicking handler on ws.Server (Serve), with
// ServeConn, and under wshttp: each panic closes its connection with 1011
// (OnConnect: 500), is logged once with its stack and counted, and the
// server goes on.
func TestPanicContained(t *testing.T) {
	for _, driver := range []string{"Serve", "ServeConn", "wshttp"} {
		t.Run(driver, func(t *testing.T) {
			var logs wsconf.LogBuffer
			h := &wsconf.Panicker{Closed: make(chan ws.StatusCode, 8)}
			srv := &ws.Server{Handler: h, Options: &ws.Options{Logger: slog.New(slog.NewTextHandler(&logs, nil)), CloseTimeout: time.Second}}
			var url string
			switch driver {
			case "Serve":
				url = "ws://" + serveRaw(t, srv) + "/"
			case "ServeConn":
				ln, err := net.Listen("tcp", "127.0.0.1:0")
				if err != nil {
					t.Fatal(err)
				}
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
						go func() { defer wg.Done(); srv.ServeConn(context.Background(), nc) }()
					}
				}()
				t.Cleanup(func() {
					ln.Close()
					_ = srv.Shutdown(context.Background())
					wg.Wait()
				})
				url = "ws://" + ln.Addr().String() + "/"
			case "wshttp":
				hs := httptest.NewServer(wshttp.Handler(srv))
				t.Cleanup(func() {
					_ = srv.Shutdown(context.Background())
					hs.Close()
				})
				url = "ws" + strings.TrimPrefix(hs.URL, "http") + "/"
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			var ce *ws.CloseError
			want := int64(0)
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
					t.Fatalf("OnClose got %v", code)
				}
				want++
			}

			_, err := ws.Dial(ctx, url+"connect", nil)
			var he *ws.HandshakeError
			if !errors.As(err, &he) || he.Status != 500 {
				t.Fatalf("after a panic in OnConnect: %v, want 500", err)
			}
			want++

			c := dialT(t, url, nil)
			if err := c.WriteMessage(ctx, ws.OpText, []byte("close")); err != nil {
				t.Fatal(err)
			}
			if _, _, err := c.ReadMessage(ctx); !errors.As(err, &ce) {
				t.Fatalf("close: %v", err)
			}
			<-h.Closed
			want++

			c = dialT(t, url, nil)
			if err := c.WriteMessage(ctx, ws.OpText, []byte("still there")); err != nil {
				t.Fatal(err)
			}
			if _, p, err := c.ReadMessage(ctx); err != nil || string(p) != "still there" {
				t.Fatalf("echo after panics: %q %v", p, err)
			}
			for srv.Panics() != want {
				if ctx.Err() != nil {
					t.Fatalf("Panics() = %d, want %d", srv.Panics(), want)
				}
				time.Sleep(5 * time.Millisecond)
			}
			logs.CheckPanics(t, "OnMessage", "OnOpen", "OnConnect", "OnClose")
		})
	}
}

// TestPanicCrash: with Options.PanicCrash a handler's panic ends the
// process (run in a child process).
func TestPanicCrash(t *testing.T) {
	if os.Getenv("WS_PANIC_CRASH_CHILD") == "1" {
		h := &wsconf.Panicker{Closed: make(chan ws.StatusCode, 8)}
		srv := &ws.Server{Handler: h, Options: &ws.Options{PanicCrash: true}}
		addr := serveRaw(t, srv)
		c := dialT(t, "ws://"+addr+"/", nil)
		_ = c.WriteMessage(context.Background(), ws.OpText, []byte("message"))
		_, _, _ = c.ReadMessage(context.Background())
		t.Fatal("still alive")
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestPanicCrash$", "-test.count=1")
	cmd.Env = append(os.Environ(), "WS_PANIC_CRASH_CHILD=1")
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "panic: in OnMessage") {
		t.Fatalf("child: %v\n%s", err, out)
	}
}

// TestServerRefusesGarbageAtOnce: ws.Server answers what cannot be an
// HTTP/1.1 request with 400 and closes at once.
func TestServerRefusesGarbageAtOnce(t *testing.T) {
	addr := serveRaw(t, &ws.Server{Handler: ws.BaseHandler{}})
	for name, in := range map[string]string{
		"tls":      "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",
		"bare LF":  "GET / HTTP/1.1\nHost: x\n",
		"HTTP/1.0": "GET / HTTP/1.0\r\nHost: x\r\nUpgrade: websocket\r\n\r\n", // an upgrade needs 1.1
		"NUL":      "GET / HTTP/1.1\r\nHost: x\x00y\r\n",
	} {
		nc, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		_ = nc.SetDeadline(time.Now().Add(3 * time.Second))
		if _, err := nc.Write([]byte(in)); err != nil {
			t.Fatal(err)
		}
		resp, err := io.ReadAll(nc)
		nc.Close()
		if err != nil || !strings.HasPrefix(string(resp), "HTTP/1.1 400 ") {
			t.Errorf("%s: %q %v, want 400 and EOF at once", name, resp, err)
		}
	}
}
