package ws

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
)

const sampleRequest = "GET /chat?x=1 HTTP/1.1\r\n" +
	"Host: server.example.com\r\n" +
	"Upgrade: websocket\r\n" +
	"Connection: keep-alive, Upgrade\r\n" +
	"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" +
	"Origin: http://example.com\r\n" +
	"Sec-WebSocket-Protocol: chat, superchat\r\n" +
	"Sec-WebSocket-Version: 13\r\n\r\n"

func TestAcceptKeyRFCExample(t *testing.T) {
	// RFC 6455 §1.3.
	if got := AcceptKey([]byte("dGhlIHNhbXBsZSBub25jZQ==")); got != "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" {
		t.Fatal(got)
	}
}

func TestParseRequest(t *testing.T) {
	var req Request
	in := []byte(sampleRequest + "extra")
	for i := 0; i < len(sampleRequest); i++ {
		if n, err := ParseRequest(&req, in[:i], HandshakeLimits{}); n != 0 || err != nil {
			t.Fatalf("prefix %d: n=%d err=%v", i, n, err)
		}
	}
	n, err := ParseRequest(&req, in, HandshakeLimits{})
	if err != nil || n != len(sampleRequest) {
		t.Fatalf("n=%d err=%v", n, err)
	}
	if err := CheckRequest(&req); err != nil {
		t.Fatal(err)
	}
	if string(req.Target) != "/chat?x=1" || string(req.Host) != "server.example.com" || string(req.Origin) != "http://example.com" {
		t.Fatalf("%+v", req)
	}
	protos := req.Values(nil, "sec-websocket-protocol")
	if len(protos) != 2 || string(protos[0]) != "chat" || string(protos[1]) != "superchat" {
		t.Fatalf("protocols %q", protos)
	}
	resp := string(AppendResponse(nil, &req, "chat", "", nil))
	if !strings.Contains(resp, "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n") || !strings.Contains(resp, "Sec-WebSocket-Protocol: chat\r\n") {
		t.Fatal(resp)
	}
}

func TestCheckRequestFaults(t *testing.T) {
	tests := []struct {
		name, from, to string
		status         int
	}{
		{"POST", "GET /chat", "POST /chat", 405},
		{"no upgrade", "Upgrade: websocket", "Upgrade: h2c", 426},
		{"no connection upgrade", "keep-alive, Upgrade", "keep-alive", 400},
		{"short key", "dGhlIHNhbXBsZSBub25jZQ==", "dGhlIHNhbXBsZQ==", 400},
		{"version 8", "Version: 13", "Version: 8", 426},
		{"no host", "Host: server.example.com\r\n", "", 400},
		{"HTTP/1.0", "HTTP/1.1\r\nHost", "HTTP/1.0\r\nHost", 400},
		{"bad header line", "Origin: ", "Origin ", 400},
		{"space in name", "Origin:", "Ori gin:", 400},
	}
	for _, tt := range tests {
		in := strings.Replace(sampleRequest, tt.from, tt.to, 1)
		var req Request
		_, err := ParseRequest(&req, []byte(in), HandshakeLimits{})
		if err == nil {
			err = CheckRequest(&req)
		}
		var he *HandshakeError
		if !errors.As(err, &he) || he.Status != tt.status || !errors.Is(err, ErrHandshake) {
			t.Errorf("%s: err = %v, want status %d", tt.name, err, tt.status)
		}
	}
}

func TestParseRequestLimits(t *testing.T) {
	var req Request
	many := strings.Replace(sampleRequest, "\r\n\r\n", "\r\n"+strings.Repeat("X-A: b\r\n", 70)+"\r\n", 1)
	if _, err := ParseRequest(&req, []byte(many), HandshakeLimits{}); err == nil || err.(*HandshakeError).Status != 431 {
		t.Fatalf("70 headers: %v", err)
	}
	big := strings.Repeat("a", DefaultMaxHeaderBytes)
	if _, err := ParseRequest(&req, []byte(big), HandshakeLimits{}); err == nil || err.(*HandshakeError).Status != 431 {
		t.Fatalf("unterminated 8 KiB: %v", err)
	}
	if _, err := ParseRequest(&req, []byte(sampleRequest), HandshakeLimits{MaxHeaderBytes: 64}); err == nil {
		t.Fatal("limit 64 accepted the sample")
	}
}

func TestCheckOrigin(t *testing.T) {
	tests := []struct {
		origin, host string
		allowed      []string
		ok           bool
	}{
		{"", "a.com", nil, true},
		{"http://a.com", "a.com", nil, true},
		{"https://A.com:8443", "a.com:8443", nil, true},
		{"http://evil.com", "a.com", nil, false},
		{"http://x.good.com", "a.com", []string{"*.good.com"}, true},
		{"http://evil.com", "a.com", []string{"*"}, true},
		{"null", "a.com", nil, false},
	}
	for _, tt := range tests {
		err := CheckOrigin(tt.origin, tt.host, tt.allowed)
		if (err == nil) != tt.ok {
			t.Errorf("%q on %q: %v", tt.origin, tt.host, err)
		}
		if err != nil && (!errors.Is(err, ErrBadOrigin) || !errors.Is(err, ErrHandshake)) {
			t.Errorf("error does not match sentinels: %v", err)
		}
	}
}

// TestCheckOriginNoAllocs: the common same-origin request is accepted
// without allocating (every browser handshake carries an Origin).
func TestCheckOriginNoAllocs(t *testing.T) {
	for _, o := range [][2]string{{"http://a.com", "a.com"}, {"https://Example.ORG:8443", "example.org:8443"}} {
		if n := testing.AllocsPerRun(100, func() {
			if CheckOrigin(o[0], o[1], nil) != nil {
				t.Fatalf("%q on %q refused", o[0], o[1])
			}
		}); n != 0 {
			t.Errorf("%q on %q: %.0f allocations", o[0], o[1], n)
		}
	}
}

// FuzzPlainSameOrigin: the allocation-free same-origin check accepts only
// what url.Parse's path accepts as the same host. The origin is a scheme
// and rest, the host rest in upper case or as is: the inputs where the two
// paths could disagree.
func FuzzPlainSameOrigin(f *testing.F) {
	for _, rest := range []string{"a.com", "A.com:8443", "a.com:", "a b", "a.com:x", "u@a.com", "[::1]:80", "a.com/", "",
		"a.com:80:90", "-.", "a.com%20", "xn--d1a.com"} {
		f.Add(rest, true, false)
		f.Add(rest, false, true)
	}
	f.Fuzz(func(t *testing.T, rest string, https, upper bool) {
		origin, host := "http://"+rest, rest
		if https {
			origin = "https://" + rest
		}
		if upper {
			host = strings.ToUpper(rest)
		}
		if !plainSameOrigin(origin, host) {
			return
		}
		u, err := url.Parse(origin)
		if err != nil || !strings.EqualFold(u.Host, host) {
			t.Fatalf("plainSameOrigin(%q, %q) accepted; url.Parse: %v", origin, host, err)
		}
	})
}

func TestParseResponse(t *testing.T) {
	in := "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: chat\r\n\r\n"
	var resp Response
	n, err := ParseResponse(&resp, []byte(in), HandshakeLimits{})
	if err != nil || n != len(in) {
		t.Fatal(n, err)
	}
	neg, err := CheckResponse(&resp, "dGhlIHNhbXBsZSBub25jZQ==", []string{"chat"}, nil)
	if err != nil || neg.Subprotocol != "chat" {
		t.Fatal(neg, err)
	}
	if _, err := CheckResponse(&resp, "dGhlIHNhbXBsZSBub25jZQ==", nil, nil); err == nil {
		t.Fatal("accepted a subprotocol that was not offered")
	}
	if _, err := CheckResponse(&resp, "AAAAAAAAAAAAAAAAAAAAAA==", []string{"chat"}, nil); err == nil {
		t.Fatal("accepted a wrong Sec-WebSocket-Accept")
	}
}

func TestUpgradeAllocs(t *testing.T) {
	in := []byte(sampleRequest)
	var req Request
	req.Header = make([]HeaderField, 0, 16)
	out := make([]byte, 0, 512)
	a := testing.AllocsPerRun(100, func() {
		if _, err := ParseRequest(&req, in, HandshakeLimits{}); err != nil {
			t.Fatal(err)
		}
		if err := CheckRequest(&req); err != nil {
			t.Fatal(err)
		}
		out = AppendResponse(out[:0], &req, "", "", nil)
	})
	if a != 0 {
		t.Fatalf("zero-copy upgrade allocates %v times", a)
	}
}

// BenchmarkUpgrade measures the zero-copy server handshake: parse, check,
// answer.
func BenchmarkUpgrade(b *testing.B) {
	in := []byte(sampleRequest)
	var req Request
	out := make([]byte, 0, 512)
	b.ReportAllocs()
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		if _, err := ParseRequest(&req, in, HandshakeLimits{}); err != nil {
			b.Fatal(err)
		}
		if err := CheckRequest(&req); err != nil {
			b.Fatal(err)
		}
		out = AppendResponse(out[:0], &req, "", "", nil)
	}
}

func FuzzParseRequest(f *testing.F) {
	f.Add([]byte(sampleRequest))
	f.Add([]byte("GET / HTTP/1.1\r\nHost: a\r\n\r\n"))
	f.Add([]byte("GET / HTTP/1.1\r\n:\r\n\r\n"))
	f.Add([]byte(sampleRequest[:len(sampleRequest)-2] + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"))
	f.Add([]byte("GET / HTTP/1.1\r\nHost: a\x00b\r\n\r\n"))
	f.Add([]byte("GET / HTTP/1.1\nHost: a\n\n"))
	f.Add([]byte("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"))
	f.Add([]byte("GET / HTTP/1.0\r\nHost: a\r\n\r\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		var req Request
		n, err := ParseRequest(&req, b, HandshakeLimits{MaxHeaders: 16})
		if err != nil || n == 0 {
			return
		}
		if n > len(b) || len(req.Header) > 16 {
			t.Fatalf("n=%d headers=%d", n, len(req.Header))
		}
		for _, c := range b[:n] {
			if (c < ' ' && c != '\t' && c != '\r' && c != '\n') || c == 0x7f {
				t.Fatalf("accepted a control character % x", c)
			}
		}
		if CheckRequest(&req) == nil {
			_ = AppendResponse(nil, &req, "", "", nil)
		}
	})
}

// TestStrictRequest: what RFC 6455 and RFC 9110 forbid is refused with
// 400, and what can never become a request head is refused before it is
// complete.
func TestStrictRequest(t *testing.T) {
	key := "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
	base := "GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" + key + "Sec-WebSocket-Version: 13\r\n"
	var req Request
	if n, err := ParseRequest(&req, []byte(base+"\r\n"), HandshakeLimits{}); n == 0 || err != nil || CheckRequest(&req) != nil {
		t.Fatalf("base request: %d %v", n, err)
	}
	for name, in := range map[string]string{
		"duplicate key":     base + key + "\r\n",
		"duplicate version": base + "Sec-WebSocket-Version: 13\r\n\r\n",
		"NUL in value":      base + "X: a\x00b\r\n\r\n",
		"bare CR in value":  base + "X: a\rb\r\n\r\n",
		"ESC in value":      base + "X: a\x1bb\r\n\r\n",
		"DEL in value":      base + "X: a\x7fb\r\n\r\n",
		"space in target":   strings.Replace(base, "GET / ", "GET /a\x01b ", 1) + "\r\n",
		// Partial heads, refused before they end.
		"TLS ClientHello": "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",
		"bare LF":         "GET / HTTP/1.1\nHost: a\n",
		"HTTP/0.9 line":   "GET / HTTP/0.9\r\n",
		"HTTP/2.0 line":   "GET / HTTP/2.0\r\n",
		"NUL, partial":    "GET / HTTP/1.1\r\nHost: a\x00",
		"HTTP/2 preface":  "PRI * HTTP/2.0\r\n",
	} {
		n, err := ParseRequest(&req, []byte(in), HandshakeLimits{})
		var he *HandshakeError
		if n != 0 || !errors.As(err, &he) || he.Status != 400 {
			t.Errorf("%s: n=%d %v, want 400", name, n, err)
		}
	}
	// An HTTP/1.0 request parses (a plain request, for Server.HTTP: health
	// checkers send 1.0); CheckRequest refuses it as an upgrade.
	if n, err := ParseRequest(&req, []byte(strings.Replace(base, "HTTP/1.1", "HTTP/1.0", 1)+"\r\n"), HandshakeLimits{}); n == 0 || err != nil {
		t.Errorf("HTTP/1.0: %d %v, want it parsed", n, err)
	} else if err := CheckRequest(&req); err == nil || err.(*HandshakeError).Status != 400 {
		t.Errorf("HTTP/1.0 upgrade: CheckRequest %v, want 400", err)
	}
	// HTAB is allowed in values; a partial head that may still be valid
	// waits for more.
	if n, err := ParseRequest(&req, []byte(base+"X: a\tb\r\n\r\n"), HandshakeLimits{}); n == 0 || err != nil {
		t.Errorf("HTAB in value: %d %v", n, err)
	}
	for i := range len(base) {
		if n, err := ParseRequest(&req, []byte(base[:i]), HandshakeLimits{}); n != 0 || err != nil {
			t.Fatalf("prefix %q: %d %v", base[:i], n, err)
		}
	}
	// The same rules through net/http's parsed headers.
	hdr := map[string][]string{"Upgrade": {"websocket"}, "Connection": {"Upgrade"},
		"Sec-Websocket-Key": {"dGhlIHNhbXBsZSBub25jZQ==", "dGhlIHNhbXBsZSBub25jZQ=="}, "Sec-Websocket-Version": {"13"}}
	if err := CheckHTTP("GET", func(k string) []string { return hdr[k] }); err == nil {
		t.Error("CheckHTTP took a duplicate key")
	}
	hdr["Sec-Websocket-Key"] = hdr["Sec-Websocket-Key"][:1]
	hdr["Sec-Websocket-Version"] = []string{"13", "13"}
	if err := CheckHTTP("GET", func(k string) []string { return hdr[k] }); err == nil {
		t.Error("CheckHTTP took a duplicate version")
	}
}

// TestResponseSanitized: AppendResponse leaves out echoed values and extra
// headers that would split the response or smuggle a header.
func TestResponseSanitized(t *testing.T) {
	var req Request
	if _, err := ParseRequest(&req, []byte(sampleRequest), HandshakeLimits{}); err != nil {
		t.Fatal(err)
	}
	resp := string(AppendResponse(nil, &req, "chat\r\nX-Evil: 1", "permessage-deflate\x00", []HeaderField{
		{Name: []byte("X-Ok"), Value: []byte("a\tb")},
		{Name: []byte("X-Bad"), Value: []byte("a\nb")},
		{Name: []byte("Bad Name"), Value: []byte("c")},
	}))
	if strings.Contains(resp, "X-Evil") || strings.Contains(resp, "Sec-WebSocket-Protocol") ||
		strings.Contains(resp, "Sec-WebSocket-Extensions") || strings.Contains(resp, "X-Bad") || strings.Contains(resp, "Bad Name") {
		t.Fatalf("unsanitized response:\n%q", resp)
	}
	if !strings.Contains(resp, "X-Ok: a\tb\r\n") || !strings.HasSuffix(resp, "\r\n\r\n") {
		t.Fatalf("response:\n%q", resp)
	}
}

// TestStatusStringAllocs: StatusCode.String allocates nothing for the
// named codes.
func TestStatusStringAllocs(t *testing.T) {
	if s := StatusGoingAway.String(); s != "GoingAway(1001)" {
		t.Fatalf("String() = %q", s)
	}
	if s := StatusCode(4000).String(); s != "StatusCode(4000)" {
		t.Fatalf("String() = %q", s)
	}
	var sink string
	if a := testing.AllocsPerRun(100, func() { sink = StatusInternalError.String() }); a != 0 {
		t.Fatalf("%v allocations", a)
	}
	_ = sink
}

func FuzzParseResponse(f *testing.F) {
	f.Add([]byte("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n"))
	f.Add([]byte("HTTP/1.1 200\r\n\r\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		var resp Response
		n, err := ParseResponse(&resp, b, HandshakeLimits{})
		if err == nil && n > len(b) {
			t.Fatalf("n=%d", n)
		}
		if err == nil && n > 0 {
			_, _ = CheckResponse(&resp, "dGhlIHNhbXBsZSBub25jZQ==", []string{"a"}, []Extension{testExt{}})
		}
	})
}

// NewConnectRequest copies the request out of its buffer: canonical names,
// repeated headers in order, values that do not share storage.
func TestConnectRequest(t *testing.T) {
	in := []byte("GET /chat?x=1 HTTP/1.1\r\nHost: example.com\r\nx-twice: a\r\nOrigin: https://example.com\r\nX-Twice: b\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nx-once: c\r\n\r\n")
	var req Request
	if _, err := ParseRequest(&req, in, HandshakeLimits{}); err != nil {
		t.Fatal(err)
	}
	cr := NewConnectRequest(&req, nil)
	if got := cr.Get("x-twice"); got != "a" {
		t.Fatalf(`Get("x-twice") = %q, want "a"`, got)
	}
	if got := cr.Values("X-TWICE"); !slices.Equal(got, []string{"a", "b"}) {
		t.Fatalf(`Values("X-TWICE") = %q`, got)
	}
	if got := cr.Values("X-None"); got != nil {
		t.Fatalf(`Values("X-None") = %q, want nil`, got)
	}
	header := cr.Header()
	clear(in) // nothing kept may alias the buffer
	if cr.Target != "/chat?x=1" || cr.Host != "example.com" || cr.Origin != "https://example.com" {
		t.Fatalf("target %q host %q origin %q", cr.Target, cr.Host, cr.Origin)
	}
	want := map[string][]string{
		"Host":              {"example.com"},
		"X-Twice":           {"a", "b"},
		"Origin":            {"https://example.com"},
		"Sec-Websocket-Key": {"dGhlIHNhbXBsZSBub25jZQ=="},
		"X-Once":            {"c"},
	}
	if len(header) != len(want) {
		t.Fatalf("header %q, want %q", header, want)
	}
	for k, vs := range want {
		if !slices.Equal(header[k], vs) {
			t.Fatalf("%s: %q, want %q", k, header[k], vs)
		}
	}
	_ = append(header["Sec-Websocket-Key"], "appended")
	if got := header["X-Once"]; got[0] != "c" {
		t.Fatalf("appending to one header changed another: %q", got)
	}
	// After OnConnect the request no longer reads the input.
	cr.detach()
	if cr.Get("X-Once") != "" || cr.Values("X-Once") != nil || cr.Header() != nil {
		t.Fatal("a detached request still reads the handshake's input")
	}
}

// TestRefusalKept: a client whose handshake a server refuses gets the
// response's status, headers and (the start of) its body in the
// *HandshakeError: enough to tell an auth challenge from an error page.
func TestRefusalKept(t *testing.T) {
	big := strings.Repeat("z", 2*MaxRefusalBody)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="ws"`)
		if r.URL.Path == "/big" {
			w.WriteHeader(http.StatusForbidden)
			_, _ = io.WriteString(w, big)
			return
		}
		http.Error(w, "token expired", http.StatusUnauthorized)
	}))
	defer srv.Close()
	for _, tc := range []struct{ path, body string }{{"/", "token expired\n"}, {"/big", big[:MaxRefusalBody]}} {
		_, err := Dial(context.Background(), "ws"+strings.TrimPrefix(srv.URL, "http")+tc.path, nil)
		var he *HandshakeError
		if !errors.As(err, &he) {
			t.Fatalf("%s: %v", tc.path, err)
		}
		if got := he.Header["Www-Authenticate"]; len(got) != 1 || got[0] != `Bearer realm="ws"` {
			t.Errorf("%s: header %q", tc.path, he.Header)
		}
		if string(he.Body) != tc.body {
			t.Errorf("%s: status %d, body %d bytes %.20q, want %d bytes", tc.path, he.Status, len(he.Body), he.Body, len(tc.body))
		}
	}
}

// FuzzReadChunked: the refusal body decoder never panics and never returns
// more than its bound, whatever the server sends.
func FuzzReadChunked(f *testing.F) {
	f.Add([]byte("5\r\nhello\r\n0\r\n\r\n"))
	f.Add([]byte("ffffffff\r\nx"))
	f.Add([]byte("3;ext=1\r\nabc\r\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		if b := readChunked(bufio.NewReader(bytes.NewReader(in)), 64); len(b) > 64 {
			t.Fatalf("%d bytes past the bound", len(b))
		}
	})
}
