package ws

import (
	"bufio"
	"bytes"
	"context"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// echoHandler echoes every message and records how the connection ended.
type echoHandler struct {
	BaseHandler
	mu      sync.Mutex
	closed  chan struct{}
	clean   bool
	code    StatusCode
	reason  string
	opened  int
	connect func(*ConnectRequest) (Accept, error)
}

func newEcho() *echoHandler { return &echoHandler{closed: make(chan struct{}, 16)} }

func (h *echoHandler) OnConnect(r *ConnectRequest) (Accept, error) {
	if h.connect != nil {
		return h.connect(r)
	}
	return Accept{}, nil
}

func (h *echoHandler) OnOpen(*Conn) { h.mu.Lock(); h.opened++; h.mu.Unlock() }

func (h *echoHandler) OnMessage(c *Conn, op Opcode, p []byte) {
	_ = c.WriteMessage(context.Background(), op, p)
}

func (h *echoHandler) OnClose(c *Conn, clean bool, code StatusCode, reason string) {
	h.mu.Lock()
	h.clean, h.code, h.reason = clean, code, reason
	h.mu.Unlock()
	select {
	case h.closed <- struct{}{}:
	default:
	}
}

func (h *echoHandler) waitClose(t *testing.T) (bool, StatusCode, string) {
	t.Helper()
	select {
	case <-h.closed:
	case <-time.After(10 * time.Second):
		t.Fatal("OnClose was not called")
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.clean, h.code, h.reason
}

// startServer serves h on a loopback listener with Server.ServeConn and
// returns the ws:// URL of /echo.
func startServer(t testing.TB, h Handler, opts *Options) (string, *Server) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &Server{Handler: h, Options: opts}
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
			go func() { defer wg.Done(); srv.ServeConn(ctx, nc) }()
		}
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
		_ = srv.Shutdown(sctx)
		scancel()
		cancel()
		wg.Wait()
	})
	return "ws://" + ln.Addr().String() + "/echo", srv
}

func dial(t *testing.T, url string, opts *Options) *Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := Dial(ctx, url, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close(StatusNormalClosure, "") })
	return c
}

// rawClient completes a handshake by hand and then speaks raw bytes.
type rawClient struct {
	t      *testing.T
	nc     net.Conn
	br     *bufio.Reader
	p      *Parser
	header map[string]string // response headers, lower-case names
}

func dialRaw(t *testing.T, url string) *rawClient {
	t.Helper()
	return dialRawHeaders(t, url, nil)
}

// dialRawHeaders is dialRaw with extra request headers (empty values are
// left out).
func dialRawHeaders(t *testing.T, url string, extra map[string]string) *rawClient {
	t.Helper()
	addr := url[len("ws://"):]
	addr = addr[:bytes.IndexByte([]byte(addr), '/')]
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = nc.Close() })
	_ = nc.SetDeadline(time.Now().Add(10 * time.Second))
	req := "GET /echo HTTP/1.1\r\nHost: " + addr + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
	for k, v := range extra {
		if v != "" {
			req += k + ": " + v + "\r\n"
		}
	}
	if _, err := nc.Write([]byte(req + "\r\n")); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(nc)
	header := map[string]string{}
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		if line == "\r\n" {
			break
		}
		if k, v, ok := strings.Cut(strings.TrimSpace(line), ":"); ok {
			header[strings.ToLower(k)] = strings.TrimSpace(v)
		}
	}
	return &rawClient{t: t, nc: nc, br: br, p: NewParser(ParserConfig{Role: RoleClient}), header: header}
}

// next returns the next event the server sent, or an error (io.EOF when
// the server closed TCP).
func (r *rawClient) next() (Event, []byte, error) {
	var msg []byte
	var buf [1]byte
	for {
		b, err := r.br.ReadByte()
		if err != nil {
			return Event{}, nil, err
		}
		buf[0] = b
		_, ev, err := r.p.Parse(buf[:])
		if err != nil {
			return ev, nil, err
		}
		switch ev.Kind {
		case EventNone:
			continue
		case EventData:
			msg = append(msg, ev.Payload...)
			if !ev.Final {
				continue
			}
			return ev, msg, nil
		default:
			return ev, append([]byte(nil), ev.Payload...), nil
		}
	}
}

// upgradedPair returns a server Conn made by UpgradeConn (BaseHandler, no
// options) and the raw client at its other end.
func upgradedPair(t *testing.T) (*Conn, *rawClient) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	conns := make(chan *Conn, 1)
	go func() {
		nc, err := ln.Accept()
		if err != nil {
			conns <- nil
			return
		}
		c, err := UpgradeConn(context.Background(), nc, BaseHandler{}, nil)
		if err != nil {
			_ = nc.Close()
		}
		conns <- c
	}()
	r := dialRaw(t, "ws://"+ln.Addr().String()+"/")
	c := <-conns
	if c == nil {
		t.Fatal("upgrade failed")
	}
	return c, r
}
