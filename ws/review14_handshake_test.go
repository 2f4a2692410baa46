package ws

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeServer accepts one connection on a loopback listener, reads a
// request head, and answers it with respond(key), the request's
// Sec-WebSocket-Key. It returns the ws:// URL; the connection is closed
// when the test ends.
func fakeServer(t *testing.T, respond func(key string) string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	done := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		nc, err := ln.Accept()
		if err != nil {
			return
		}
		defer nc.Close()
		_ = nc.SetDeadline(time.Now().Add(10 * time.Second))
		br := bufio.NewReader(nc)
		key := ""
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				return
			}
			if line == "\r\n" {
				break
			}
			if k, v, ok := strings.Cut(line, ":"); ok && strings.EqualFold(k, "Sec-WebSocket-Key") {
				key = strings.TrimSpace(v)
			}
		}
		if _, err := io.WriteString(nc, respond(key)); err != nil {
			return
		}
		<-done
	}()
	t.Cleanup(func() { close(done); _ = ln.Close(); wg.Wait() })
	return "ws://" + ln.Addr().String() + "/"
}

// TestReview14DialHeaderLines: a 101 whose Connection (or Upgrade) list is
// split over several header lines (RFC 9110 §5.3: the same as one
// comma-joined line) is accepted by Dial, as the server drivers accept such
// a request.
func TestReview14DialHeaderLines(t *testing.T) {
	for name, head := range map[string]string{
		"Connection lines": "Upgrade: websocket\r\nConnection: keep-alive\r\nConnection: Upgrade\r\n",
		"Upgrade lines":    "Upgrade: foo\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n",
	} {
		t.Run(name, func(t *testing.T) {
			u := fakeServer(t, func(key string) string {
				return "HTTP/1.1 101 Switching Protocols\r\n" + head + "Sec-WebSocket-Accept: " + AcceptKey([]byte(key)) + "\r\n\r\n"
			})
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			c, err := Dial(ctx, u, &Options{PingInterval: -1})
			if err != nil {
				t.Fatalf("Dial: %v", err)
			}
			_ = c.CloseNow()
		})
	}
}

// rawResponse sends req on a new connection to the ws:// URL u and returns
// the status line and the header lines of the answer (names lower-case).
func rawResponse(t *testing.T, u, req string) (string, map[string][]string) {
	t.Helper()
	nc, err := net.Dial("tcp", strings.TrimSuffix(strings.TrimPrefix(u, "ws://"), "/echo"))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	_ = nc.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(nc, req); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(nc)
	status, err := br.ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	h := map[string][]string{}
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		if line == "\r\n" {
			break
		}
		k, v, _ := strings.Cut(line, ":")
		h[strings.ToLower(k)] = append(h[strings.ToLower(k)], strings.TrimSpace(v))
	}
	return strings.TrimSpace(status), h
}

// TestReview14Reject426Upgrade: a 426 names the protocol to upgrade to
// (RFC 9110 §15.5.22: the server MUST send Upgrade in a 426) besides
// Sec-WebSocket-Version: 13 (RFC 6455 §4.4).
func TestReview14Reject426Upgrade(t *testing.T) {
	u, _ := startServer(t, newEcho(), nil)
	host := strings.TrimSuffix(strings.TrimPrefix(u, "ws://"), "/echo")
	for name, req := range map[string]string{
		"version 8":  "GET /echo HTTP/1.1\r\nHost: " + host + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n\r\n",
		"no Upgrade": "GET /echo HTTP/1.1\r\nHost: " + host + "\r\n\r\n",
	} {
		status, h := rawResponse(t, u, req)
		if !strings.HasPrefix(status, "HTTP/1.1 426 ") {
			t.Fatalf("%s: %q, want 426", name, status)
		}
		if v := h["upgrade"]; len(v) != 1 || !strings.EqualFold(v[0], "websocket") {
			t.Errorf("%s: Upgrade %q, want websocket", name, v)
		}
		if v := h["sec-websocket-version"]; len(v) != 1 || v[0] != "13" {
			t.Errorf("%s: Sec-WebSocket-Version %q, want 13", name, v)
		}
	}
}

// TestReview14RequestWithBody: an upgrade request that carries content is
// refused with 400. Its content is HTTP's, not the WebSocket's: taken as
// frames it would make the server answer bytes the client never sent as
// WebSocket data (here: a text frame it would echo).
func TestReview14RequestWithBody(t *testing.T) {
	u, _ := startServer(t, newEcho(), &Options{PingInterval: -1})
	host := strings.TrimSuffix(strings.TrimPrefix(u, "ws://"), "/echo")
	base := "GET /echo HTTP/1.1\r\nHost: " + host + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
	// A masked text frame "hi" as the body.
	frame := string([]byte{0x81, 0x82, 0, 0, 0, 0, 'h', 'i'})
	for name, req := range map[string]string{
		"Content-Length": base + "Content-Length: 8\r\n\r\n" + frame,
		"chunked":        base + "Transfer-Encoding: chunked\r\n\r\n8\r\n" + frame + "\r\n0\r\n\r\n",
		"one byte":       base + "Content-Length: 1\r\n\r\nx",
	} {
		status, _ := rawResponse(t, u, req)
		if !strings.HasPrefix(status, "HTTP/1.1 400 ") {
			t.Errorf("%s: %q, want 400", name, status)
		}
	}
	// Content-Length: 0 is no content.
	status, _ := rawResponse(t, u, base+"Content-Length: 0\r\n\r\n")
	if !strings.HasPrefix(status, "HTTP/1.1 101 ") {
		t.Errorf("Content-Length: 0: %q, want 101", status)
	}
}

// TestReview14ProxyScheme: Dial speaks HTTP CONNECT to a proxy; a proxy URL
// of another scheme (socks5, https) is refused with an error that says so
// instead of being sent a plaintext CONNECT.
func TestReview14ProxyScheme(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	got := make(chan string, 4)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			_ = nc.SetDeadline(time.Now().Add(10 * time.Second))
			b := make([]byte, 7)
			n, _ := io.ReadFull(nc, b)
			got <- string(b[:n])
			_ = nc.Close()
		}
	}()
	defer wg.Wait()
	defer ln.Close()
	for _, scheme := range []string{"socks5", "https"} {
		proxy := &url.URL{Scheme: scheme, Host: ln.Addr().String()}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_, err := Dial(ctx, "ws://example.test/", &Options{Proxy: func(*url.URL) (*url.URL, error) { return proxy, nil }})
		cancel()
		if err == nil || !strings.Contains(err.Error(), "proxy scheme") {
			t.Errorf("%s proxy: %v, want a proxy scheme error", scheme, err)
		}
	}
	select {
	case b := <-got:
		t.Errorf("the proxy was sent %q", b)
	default:
	}
}

// TestReview14NoProxyLeadingDot: NO_PROXY follows net/http's rules: "a.test"
// matches a.test and its subdomains, ".a.test" the subdomains only.
func TestReview14NoProxyLeadingDot(t *testing.T) {
	t.Setenv("HTTP_PROXY", "http://proxy.test:3128")
	for _, tc := range []struct {
		noProxy, host string
		proxied       bool
	}{
		{"a.test", "a.test", false},
		{"a.test", "b.a.test", false},
		{".a.test", "b.a.test", false},
		{".a.test", "a.test", true},
		{"*.a.test", "a.test", true},
		{"a.test", "ba.test", true},
		{"10.0.0.0/8", "10.1.2.3", false},
		{"10.0.0.0/8", "11.1.2.3", true},
	} {
		t.Setenv("NO_PROXY", tc.noProxy)
		p, err := ProxyFromEnvironment(&url.URL{Scheme: "ws", Host: tc.host})
		if err != nil {
			t.Fatal(err)
		}
		if (p != nil) != tc.proxied {
			t.Errorf("NO_PROXY=%q, host %q: proxy %v, want proxied %v", tc.noProxy, tc.host, p, tc.proxied)
		}
	}
}

// TestReview14DialNoHost: a URL without a host is refused, not dialled as
// the local system (net.Dial's reading of ":80").
func TestReview14DialNoHost(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	accepted := make(chan struct{}, 1)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		nc, err := ln.Accept()
		if err != nil {
			return
		}
		accepted <- struct{}{}
		_ = nc.Close()
	}()
	for _, u := range []string{"ws://:" + port + "/", "ws:///echo"} {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		c, err := Dial(ctx, u, nil)
		cancel()
		if err == nil {
			_ = c.CloseNow()
			t.Errorf("%s: dialled", u)
		}
	}
	_ = ln.Close()
	wg.Wait()
	select {
	case <-accepted:
		t.Error("Dial connected to the local system")
	default:
	}
}

// TestReview14Reject405Allow: an upgrade with another method than GET is
// answered 405 with Allow: GET (RFC 9110 §15.5.6: the server MUST send
// Allow in a 405).
func TestReview14Reject405Allow(t *testing.T) {
	u, _ := startServer(t, newEcho(), nil)
	host := strings.TrimSuffix(strings.TrimPrefix(u, "ws://"), "/echo")
	status, h := rawResponse(t, u, "POST /echo HTTP/1.1\r\nHost: "+host+"\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
	if !strings.HasPrefix(status, "HTTP/1.1 405 ") {
		t.Fatalf("%q, want 405", status)
	}
	if v := h["allow"]; len(v) != 1 || v[0] != "GET" {
		t.Errorf("Allow %q, want GET", v)
	}
}

// TestReview14DialHostHeader: a Host in Options.Header (a virtual host
// behind the address dialled) replaces the URL's, instead of going out as
// a second Host line, which every server refuses (RFC 9112 §3.2).
func TestReview14DialHostHeader(t *testing.T) {
	h := newEcho()
	hosts := make(chan string, 1)
	h.connect = func(r *ConnectRequest) (Accept, error) {
		hosts <- r.Host
		return Accept{}, nil
	}
	u, _ := startServer(t, h, &Options{PingInterval: -1})
	for _, name := range []string{"Host", "host"} {
		c := dial(t, u, &Options{PingInterval: -1, Header: map[string][]string{name: {"vhost.test"}}})
		_ = c.CloseNow()
		if got := <-hosts; got != "vhost.test" {
			t.Errorf("%s: server saw Host %q", name, got)
		}
	}
}
