package wsloop_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/eventloop"
	"github.com/autobahn-go/autobahn/internal/wsconf"
	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/wsloop"
)

// plainHTTP answers /healthz and /page, 404 elsewhere, and tries to smuggle
// a header on /evil.
func plainHTTP(r *ws.Request) wsloop.HTTPResponse {
	switch string(r.Target) {
	case "/healthz":
		return wsloop.HTTPResponse{Header: []ws.HeaderField{{Name: []byte("Content-Type"), Value: []byte("text/plain")}}, Body: []byte("ok\n")}
	case "/evil":
		return wsloop.HTTPResponse{Header: []ws.HeaderField{{Name: []byte("X-A"), Value: []byte("1\r\nSet-Cookie: x=y")}, {Name: []byte("Content-Length"), Value: []byte("999")}}, Body: []byte("e")}
	}
	return wsloop.HTTPResponse{Status: 404, Body: []byte(r.Method)}
}

func get(t *testing.T, client *http.Client, url string) (*http.Response, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: body: %v", url, err)
	}
	return resp, string(b)
}

func TestServerHTTP(t *testing.T) {
	srv := &wsloop.Server{Handler: newEcho(), Config: eventloop.Config{Loops: 1}, HTTP: plainHTTP}
	addr, _ := wsconf.StartLoop(t, srv)
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	defer client.CloseIdleConnections()
	base := "http://" + addr.String()

	resp, body := get(t, client, base+"/healthz")
	if resp.StatusCode != 200 || body != "ok\n" || resp.Header.Get("Content-Type") != "text/plain" || !resp.Close {
		t.Fatalf("/healthz: %d %q %v close=%v", resp.StatusCode, body, resp.Header, resp.Close)
	}
	resp, body = get(t, client, base+"/nothing")
	if resp.StatusCode != 404 || body != "GET" {
		t.Fatalf("/nothing: %d %q", resp.StatusCode, body)
	}
	resp, body = get(t, client, base+"/evil")
	if body != "e" || resp.Header.Get("X-A") != "" || resp.Header.Get("Set-Cookie") != "" || resp.ContentLength != 1 {
		t.Fatalf("/evil: %q %v length %d", body, resp.Header, resp.ContentLength)
	}

	hreq, _ := http.NewRequest("HEAD", base+"/healthz", nil)
	hresp, err := client.Do(hreq)
	if err != nil {
		t.Fatal(err)
	}
	hb, _ := io.ReadAll(hresp.Body)
	hresp.Body.Close()
	if hresp.StatusCode != 200 || hresp.ContentLength != 3 || len(hb) != 0 {
		t.Fatalf("HEAD /healthz: %d, length %d, %d body bytes", hresp.StatusCode, hresp.ContentLength, len(hb))
	}

	// HTTP/1.0, as health checkers send it (HAProxy's httpchk, check_http),
	// is answered too; an upgrade needs 1.1.
	for _, tc := range []struct{ req, status string }{
		{"GET /healthz HTTP/1.0\r\n\r\n", "HTTP/1.1 200 "},
		{"GET /echo HTTP/1.0\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
			"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", "HTTP/1.1 400 "},
	} {
		nc, err := net.Dial("tcp", addr.String())
		if err != nil {
			t.Fatal(err)
		}
		_ = nc.SetDeadline(time.Now().Add(5 * time.Second))
		if _, err := nc.Write([]byte(tc.req)); err != nil {
			t.Fatal(err)
		}
		resp, err := io.ReadAll(nc)
		nc.Close()
		if err != nil || !strings.HasPrefix(string(resp), tc.status) {
			t.Fatalf("%q: %q %v, want %q", tc.req, resp, err, tc.status)
		}
	}

	// WebSockets on the same port are unaffected, and the answered
	// requests took no connection slot.
	c := dial(t, "ws://"+addr.String()+"/echo", nil)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.WriteMessage(ctx, ws.OpText, []byte("hi")); err != nil {
		t.Fatal(err)
	}
	if _, p, err := c.ReadMessage(ctx); err != nil || string(p) != "hi" {
		t.Fatalf("echo: %q, %v", p, err)
	}
}

func TestServerHTTPUnset(t *testing.T) {
	srv := &wsloop.Server{Handler: newEcho(), Config: eventloop.Config{Loops: 1}}
	addr, _ := wsconf.StartLoop(t, srv)
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	defer client.CloseIdleConnections()
	if resp, _ := get(t, client, "http://"+addr.String()+"/healthz"); resp.StatusCode != 426 {
		t.Fatalf("without Server.HTTP: %d, want 426", resp.StatusCode)
	}
}

func TestServerHTTPOverTLS(t *testing.T) {
	cert, _ := wsloop.NewTestCert(t, "wsloop")
	srv := &wsloop.Server{Handler: newEcho(), Config: eventloop.Config{Loops: 1}, HTTP: plainHTTP,
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}}}
	addr, _ := wsconf.StartLoop(t, srv)
	pool := x509.NewCertPool()
	pool.AddCert(cert.Leaf)
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true, TLSClientConfig: &tls.Config{RootCAs: pool}}}
	defer client.CloseIdleConnections()
	resp, body := get(t, client, "https://"+strings.Replace(addr.String(), "127.0.0.1", "localhost", 1)+"/healthz")
	if resp.StatusCode != 200 || body != "ok\n" {
		t.Fatalf("https /healthz: %d %q", resp.StatusCode, body)
	}
}
