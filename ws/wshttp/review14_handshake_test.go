package wshttp_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/wshttp"
)

// review14Server serves /handler through wshttp.Handler and /accept through
// wshttp.Accept (with opts), both with h.
func review14Server(t *testing.T, h ws.Handler, opts *ws.Options) (*httptest.Server, []string) {
	t.Helper()
	mux := http.NewServeMux()
	srv := &ws.Server{Handler: h, Options: opts}
	mux.Handle("/handler", wshttp.Handler(srv))
	mux.HandleFunc("/accept", func(w http.ResponseWriter, r *http.Request) {
		c, err := wshttp.Accept(w, r, opts)
		if err == nil {
			_ = c.CloseNow()
		}
	})
	hs := httptest.NewServer(mux)
	t.Cleanup(func() {
		hs.Close()
		_ = srv.Shutdown(context.Background())
	})
	return hs, []string{"/handler", "/accept"}
}

// rawRequest writes req to hs and returns its answer's status line and
// header.
func rawRequest(t *testing.T, hs *httptest.Server, req string) (string, http.Header) {
	t.Helper()
	nc, err := net.Dial("tcp", hs.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	_ = nc.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(nc, req); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(nc), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.Status, resp.Header
}

const review14Upgrade = "Host: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"

// TestReview14Reject426Upgrade: a 426 carries Upgrade: websocket (RFC 9110
// §15.5.22) with its Connection option, and Sec-WebSocket-Version: 13, as
// ws.Server's does.
func TestReview14Reject426Upgrade(t *testing.T) {
	hs, paths := review14Server(t, ws.BaseHandler{}, nil)
	for _, path := range paths {
		for name, head := range map[string]string{
			"version 8": review14Upgrade + "Sec-WebSocket-Version: 8\r\n",
			"plain GET": "Host: x\r\n",
		} {
			status, h := rawRequest(t, hs, "GET "+path+" HTTP/1.1\r\n"+head+"\r\n")
			if !strings.HasPrefix(status, "426") {
				t.Fatalf("%s %s: %s, want 426", path, name, status)
			}
			if !strings.EqualFold(h.Get("Upgrade"), "websocket") || !strings.Contains(strings.ToLower(h.Get("Connection")), "upgrade") {
				t.Errorf("%s %s: Upgrade %q, Connection %q", path, name, h.Get("Upgrade"), h.Get("Connection"))
			}
			if h.Get("Sec-WebSocket-Version") != "13" {
				t.Errorf("%s %s: Sec-WebSocket-Version %q", path, name, h.Get("Sec-WebSocket-Version"))
			}
		}
	}
}

// TestReview14RequestWithBody: an upgrade request with content is refused
// with 400 (its bytes are the request's, not WebSocket frames), with a
// Content-Length as with chunked coding (which net/http keeps out of
// Request.Header).
func TestReview14RequestWithBody(t *testing.T) {
	hs, paths := review14Server(t, ws.BaseHandler{}, nil)
	frame := string([]byte{0x81, 0x82, 0, 0, 0, 0, 'h', 'i'}) // masked text "hi"
	for _, path := range paths {
		for name, rest := range map[string]string{
			"Content-Length": "Content-Length: 8\r\n\r\n" + frame,
			"chunked":        "Transfer-Encoding: chunked\r\n\r\n8\r\n" + frame + "\r\n0\r\n\r\n",
		} {
			status, _ := rawRequest(t, hs, "GET "+path+" HTTP/1.1\r\n"+review14Upgrade+"Sec-WebSocket-Version: 13\r\n"+rest)
			if !strings.HasPrefix(status, "400") {
				t.Errorf("%s %s: %s, want 400", path, name, status)
			}
		}
		status, _ := rawRequest(t, hs, "GET "+path+" HTTP/1.1\r\n"+review14Upgrade+"Sec-WebSocket-Version: 13\r\nContent-Length: 0\r\n\r\n")
		if !strings.HasPrefix(status, "101") {
			t.Errorf("%s Content-Length 0: %s, want 101", path, status)
		}
	}
}

// badHeader accepts with response headers that must not be sent as they
// are: a name that is not a token, a value with a control character.
type badHeader struct{ ws.BaseHandler }

func (badHeader) OnConnect(*ws.ConnectRequest) (ws.Accept, error) {
	return ws.Accept{Header: map[string][]string{
		"Bad Name": {"c"},
		"X-Nul":    {"a\x00b"},
		"X-Ok":     {"a\tb"},
	}}, nil
}

// TestReview14ResponseSanitized: extra response headers a handler gives
// are checked as ws.Server checks them (ws.AppendResponse): a bad one is
// left out, not written to break (or smuggle into) the 101.
func TestReview14ResponseSanitized(t *testing.T) {
	hs, _ := review14Server(t, badHeader{}, nil)
	nc, err := net.Dial("tcp", hs.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	_ = nc.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(nc, "GET /handler HTTP/1.1\r\n"+review14Upgrade+"Sec-WebSocket-Version: 13\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(nc)
	var head strings.Builder
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		head.WriteString(line)
		if line == "\r\n" {
			break
		}
	}
	got := head.String()
	if !strings.HasPrefix(got, "HTTP/1.1 101 ") || strings.Contains(got, "Bad Name") || strings.Contains(got, "X-Nul") || !strings.Contains(got, "X-Ok: a\tb\r\n") {
		t.Fatalf("response head:\n%q", got)
	}
	// And Dial, which parses the head strictly, connects.
	c, err := ws.Dial(context.Background(), "ws://"+hs.Listener.Addr().String()+"/handler", nil)
	if err != nil {
		t.Fatal(err)
	}
	_ = c.CloseNow()
}

// TestReview14NotHijacker: a ResponseWriter that cannot be hijacked is
// answered with 500 and a *ws.HandshakeError that says so.
func TestReview14NotHijacker(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Upgrade", "websocket")
	r.Header.Set("Connection", "Upgrade")
	r.Header.Set("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
	r.Header.Set("Sec-WebSocket-Version", "13")
	w := httptest.NewRecorder()
	_, err := wshttp.Accept(w, r, nil)
	var he *ws.HandshakeError
	if !errors.As(err, &he) || he.Status != 500 || !strings.Contains(he.Reason, "hijack") {
		t.Fatalf("Accept: %v", err)
	}
	if w.Code != 500 {
		t.Fatalf("answered %d, want 500", w.Code)
	}
}

type review14Echo struct{ ws.BaseHandler }

func (review14Echo) OnMessage(c *ws.Conn, op ws.Opcode, p []byte) {
	_ = c.WriteMessage(context.Background(), op, p)
}

// TestReview14PipelinedFrame: a client's first frame sent in the same
// segment as its request (so in net/http's buffer at the hijack) reaches
// the connection: it is echoed.
func TestReview14PipelinedFrame(t *testing.T) {
	hs, _ := review14Server(t, review14Echo{}, &ws.Options{PingInterval: -1})
	nc, err := net.Dial("tcp", hs.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	_ = nc.SetDeadline(time.Now().Add(10 * time.Second))
	frame := []byte{0x81, 0x82, 1, 2, 3, 4, 'h' ^ 1, 'i' ^ 2}
	if _, err := nc.Write(append([]byte("GET /handler HTTP/1.1\r\n"+review14Upgrade+"Sec-WebSocket-Version: 13\r\n\r\n"), frame...)); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 0, 512)
	want := "\r\n\r\n" + string([]byte{0x81, 2, 'h', 'i'})
	for !strings.Contains(string(buf), want) {
		n, err := nc.Read(buf[len(buf):cap(buf)])
		if err != nil {
			t.Fatalf("%q: %v", buf, err)
		}
		buf = buf[:len(buf)+n]
	}
}

// TestReview14HTTP2Refused: an HTTP/2 request cannot be upgraded: it is
// answered 426 with Sec-WebSocket-Version but without the HTTP/1.1-only
// Upgrade header, which HTTP/2 forbids (RFC 9113 §8.2.2).
func TestReview14HTTP2Refused(t *testing.T) {
	srv := &ws.Server{Handler: ws.BaseHandler{}}
	ts := httptest.NewUnstartedServer(wshttp.Handler(srv))
	ts.EnableHTTP2 = true
	ts.StartTLS()
	defer ts.Close()
	req, _ := http.NewRequest("GET", ts.URL, nil)
	req.Header.Set("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
	req.Header.Set("Sec-WebSocket-Version", "13")
	resp, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.ProtoMajor != 2 || resp.StatusCode != 426 {
		t.Fatalf("%s %s, want HTTP/2 426", resp.Proto, resp.Status)
	}
	if resp.Header.Get("Upgrade") != "" || resp.Header.Get("Sec-WebSocket-Version") != "13" {
		t.Fatalf("header %v", resp.Header)
	}
}

// TestReview14Reject405Allow: a 405 names the method to use (RFC 9110
// §15.5.6), as ws.Server's does.
func TestReview14Reject405Allow(t *testing.T) {
	hs, paths := review14Server(t, ws.BaseHandler{}, nil)
	for _, path := range paths {
		status, h := rawRequest(t, hs, "POST "+path+" HTTP/1.1\r\n"+review14Upgrade+"Sec-WebSocket-Version: 13\r\nContent-Length: 0\r\n\r\n")
		if !strings.HasPrefix(status, "405") || h.Get("Allow") != "GET" {
			t.Errorf("%s: %s, Allow %q, want 405 with Allow: GET", path, status, h.Get("Allow"))
		}
	}
}
