package ws

import (
	"bytes"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// review18RawAnswer sends req to the ws:// URL's server and returns all
// it answers, up to its end of the connection.
func review18RawAnswer(t *testing.T, url, req string) []byte {
	t.Helper()
	addr := strings.TrimPrefix(url, "ws://")
	addr = addr[:strings.IndexByte(addr, '/')]
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	_ = nc.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := nc.Write([]byte(req)); err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(nc)
	if err != nil {
		t.Fatalf("read the answer: %v (got %q)", err, out)
	}
	return out
}

// TestReview18RejectHEAD: a HEAD request to a Server gets its refusal
// (405) with the header lines, Content-Length included, and no content
// (RFC 9110 §9.3.2); it came with the reason as content, which a client
// reads as the start of the next response.
func TestReview18RejectHEAD(t *testing.T) {
	url, _ := startServer(t, BaseHandler{}, &Options{PingInterval: -1})
	out := review18RawAnswer(t, url, "HEAD /echo HTTP/1.1\r\nHost: x\r\n\r\n")
	head, rest, ok := bytes.Cut(out, []byte("\r\n\r\n"))
	if !ok || !bytes.HasPrefix(head, []byte("HTTP/1.1 405 ")) || !bytes.Contains(head, []byte("\r\nContent-Length: ")) {
		t.Fatalf("answer %q, want a 405 head with its Content-Length", out)
	}
	if len(rest) != 0 {
		t.Fatalf("the answer to HEAD has content %q", rest)
	}
	// A GET's refusal keeps its content.
	out = review18RawAnswer(t, url, "GET /echo HTTP/1.1\r\nHost: x\r\n\r\n")
	if _, rest, _ := bytes.Cut(out, []byte("\r\n\r\n")); len(rest) == 0 {
		t.Fatalf("GET's refusal %q has no content", out)
	}
}

// TestReview18NoContentStatus: AppendHTTPResponse gives a 1xx, 204 or 304
// response neither Content-Length nor content (RFC 9110 §8.6, RFC 9112
// §6.3), which a client does not read: the body given was sent and read
// as the start of a next response. Other statuses keep both. AppendReject
// too: a Handler may refuse with 304 (OnConnect's HandshakeError).
func TestReview18NoContentStatus(t *testing.T) {
	for _, status := range []int{100, 103, 204, 304, 200, 404} {
		out := AppendHTTPResponse(nil, status, []HeaderField{{Name: []byte("X-A"), Value: []byte("b")}}, []byte("body"))
		head, rest, ok := bytes.Cut(out, []byte("\r\n\r\n"))
		if !ok || !bytes.Contains(head, []byte("\r\nX-A: b")) || !bytes.Contains(head, []byte("\r\nConnection: close")) {
			t.Fatalf("%d: %q", status, out)
		}
		none := status < 200 || status == 204 || status == 304
		if got := bytes.Contains(head, []byte("Content-Length")); got == none {
			t.Errorf("%d: Content-Length in %q: %v", status, out, got)
		}
		if want := map[bool]string{true: "", false: "body"}[none]; string(rest) != want {
			t.Errorf("%d: content %q, want %q", status, rest, want)
		}
	}
	for _, status := range []int{304, 403} {
		out := AppendReject(nil, status, "why", nil)
		head, rest, _ := bytes.Cut(out, []byte("\r\n\r\n"))
		none := status == 304
		if got := bytes.Contains(head, []byte("Content-Length")); got == none || (len(rest) == 0) != none {
			t.Errorf("AppendReject %d: %q", status, out)
		}
	}
}
