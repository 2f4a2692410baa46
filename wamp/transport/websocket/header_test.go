package websocket

import (
	"strings"
	"testing"
)

func TestPackHeader(t *testing.T) {
	h := map[string][]string{
		"X-Forwarded-For":          {"10.0.0.1", "10.0.0.2"},
		"Upgrade":                  {"websocket"},
		"Connection":               {"Upgrade"},
		"Sec-Websocket-Key":        {"dGhlIHNhbXBsZSBub25jZQ=="},
		"Sec-WebSocket-Protocol":   {"wamp.2.json"},
		"Host":                     {"ignored.example"},
		"Origin":                   {"https://example.com"},
		"X-Bad":                    {"a\r\nInjected: yes"},
		"X-Big":                    {strings.Repeat("b", MaxHeaderBytes)},
		"Sec-Websocket-Extensions": {"permessage-deflate"},
	}
	c := &Conn{header: packHeader("router.example:8080", h)}
	got := c.RequestHeader()
	want := map[string]string{
		"host":            "router.example:8080",
		"origin":          "https://example.com",
		"x-forwarded-for": "10.0.0.1, 10.0.0.2",
	}
	if len(got) != len(want) {
		t.Fatalf("RequestHeader() = %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Fatalf("RequestHeader()[%q] = %q, want %q (all: %v)", k, got[k], v, got)
		}
	}
	if (&Conn{}).RequestHeader() != nil {
		t.Fatal("a Conn without headers returns some")
	}
}

func TestPackHeaderBound(t *testing.T) {
	h := map[string][]string{}
	for i := range 200 {
		h["X-H"+strings.Repeat("x", i%7)+string(rune('a'+i%26))+strings.Repeat("y", i/26)] = []string{strings.Repeat("v", 40)}
	}
	p := packHeader("", h)
	if len(p) > MaxHeaderBytes || len(p) < MaxHeaderBytes-60 {
		t.Fatalf("packed %d bytes, want at most %d and close to it", len(p), MaxHeaderBytes)
	}
}

// FuzzPackHeader: whatever the request's headers, what is kept stays
// within MaxHeaderBytes and reads back line by line as it was packed.
func FuzzPackHeader(f *testing.F) {
	f.Add("X-A", "1", "host.example")
	f.Add("Sec-WebSocket-Key", "k", "")
	f.Add("X-B", "a: b\nc", "h")
	f.Add("x-FIXED", "w", "h")
	f.Fuzz(func(t *testing.T, name, value, host string) {
		p := packHeader(host, map[string][]string{name: {value}, "X-Fixed": {"v"}})
		if len(p) > MaxHeaderBytes {
			t.Fatalf("packed %d bytes", len(p))
		}
		h := (&Conn{header: p}).RequestHeader()
		n := 0
		for line := range strings.Lines(p) {
			n++
			k, v, ok := strings.Cut(strings.TrimSuffix(line, "\n"), ": ")
			if !ok || h[k] != v {
				t.Fatalf("line %q reads back as %q", line, h[k])
			}
		}
		if n != len(h) {
			t.Fatalf("%d lines, %d headers: %q", n, len(h), p)
		}
	})
}
