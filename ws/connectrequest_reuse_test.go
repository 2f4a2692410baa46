package ws

import (
	"strings"
	"testing"
	"unsafe"
)

// targetRecorder keeps what OnConnect saw.
type targetRecorder struct {
	BaseHandler
	target, host, origin []string
}

func (h *targetRecorder) OnConnect(r *ConnectRequest) (Accept, error) {
	h.target = append(h.target, r.Target)
	h.host = append(h.host, r.Host)
	h.origin = append(h.origin, r.Origin)
	return Accept{}, nil
}

// TestNegotiateRequestSharesStrings: consecutive handshakes with the same
// target, host and origin share those strings (no copy each time), and a
// handshake that differs in any of them gets its own, right, values; what
// the handler kept from earlier handshakes stays as it was.
func TestNegotiateRequestSharesStrings(t *testing.T) {
	h := &targetRecorder{}
	heads := []struct{ target, host, origin string }{
		{"/echo", "a.example:80", "http://a.example:80"},
		{"/echo", "a.example:80", "http://a.example:80"},
		{"/echo", "b.example:80", "http://a.example:80"},
		{"/echo", "b.example:80", ""},
		{"/ech", "ob.example:80", ""}, // same bytes in a row, cut elsewhere
		{"/echo", "a.example:80", "http://a.example:80"},
	}
	negotiate := func(hd struct{ target, host, origin string }) {
		t.Helper()
		raw := "GET " + hd.target + " HTTP/1.1\r\nHost: " + hd.host + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
			"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
		if hd.origin != "" {
			raw += "Origin: " + hd.origin + "\r\n"
		}
		raw += "\r\n"
		var req Request
		if n, err := ParseRequest(&req, []byte(raw), HandshakeLimits{}); err != nil || n != len(raw) {
			t.Fatalf("ParseRequest: %d, %v", n, err)
		}
		if _, err := NegotiateRequest(&req, nil, h, &Options{AllowedOrigins: []string{"*"}}); err != nil {
			t.Fatalf("%+v: %v", hd, err)
		}
	}
	for _, hd := range heads {
		negotiate(hd)
	}
	for i, hd := range heads {
		if h.target[i] != hd.target || h.host[i] != hd.host || h.origin[i] != hd.origin {
			t.Errorf("handshake %d: saw %q %q %q, want %q %q %q", i, h.target[i], h.host[i], h.origin[i], hd.target, hd.host, hd.origin)
		}
	}
	// The same handshake again and again: the strings are shared from one
	// to the next (not always: a sync.Pool may drop the request between
	// two, as it does at random under -race).
	shared := 0
	for i := range 20 {
		negotiate(heads[0])
		n := len(h.host)
		if i > 0 && unsafe.StringData(h.host[n-1]) == unsafe.StringData(h.host[n-2]) {
			shared++
		}
	}
	if shared == 0 {
		t.Error("the same handshake 20 times in a row: its strings were copied every time")
	}
	if strings.Contains(h.host[2], "a.") {
		t.Error("a different host reused the last one")
	}
}
