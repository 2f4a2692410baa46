package wsloop_test

import (
	"bytes"
	"io"
	"net"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/eventloop"
	"github.com/autobahn-go/autobahn/internal/wsconf"
	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/wsloop"
)

// review18RawAnswer sends req to addr and returns all the server answers,
// up to its end of the connection, cut at its head's end.
func review18RawAnswer(t *testing.T, addr net.Addr, req string) (head, content []byte) {
	t.Helper()
	nc, err := net.Dial("tcp", addr.String())
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
	head, content, ok := bytes.Cut(out, []byte("\r\n\r\n"))
	if !ok {
		t.Fatalf("answer %q has no end of head", out)
	}
	return head, content
}

// TestReview18HEADNoContent: the answers to a HEAD request, a refusal
// (405, or 400 for a bad Host) or Server.HTTP's, have the header lines,
// Content-Length included, but no content (RFC 9110 §9.3.2); a 204 or 304
// from Server.HTTP has neither (RFC 9110 §8.6). A refusal of HEAD came
// with its reason as content, and a 204 or 304 with Content-Length and
// the body Server.HTTP gave, which a client reads as the start of the
// next response.
func TestReview18HEADNoContent(t *testing.T) {
	for _, withHTTP := range []bool{false, true} {
		srv := &wsloop.Server{Handler: ws.BaseHandler{}, Config: eventloop.Config{Loops: 1}}
		if withHTTP {
			srv.HTTP = func(r *ws.Request) wsloop.HTTPResponse {
				switch string(r.Target) {
				case "/204":
					return wsloop.HTTPResponse{Status: 204, Body: []byte("gone")}
				case "/304":
					return wsloop.HTTPResponse{Status: 304, Body: []byte("cached")}
				}
				return wsloop.HTTPResponse{Body: []byte("ok")}
			}
		}
		addr, _ := wsconf.StartLoop(t, srv)
		head, content := review18RawAnswer(t, addr, "HEAD / HTTP/1.1\r\nHost: x\r\n\r\n")
		want := "HTTP/1.1 405 "
		if withHTTP {
			want = "HTTP/1.1 200 "
		}
		if !bytes.HasPrefix(head, []byte(want)) || !bytes.Contains(head, []byte("\r\nContent-Length: ")) || len(content) != 0 {
			t.Fatalf("HTTP %v: HEAD answered %q, content %q; want %q..., its Content-Length, no content", withHTTP, head, content, want)
		}
		if withHTTP {
			if !bytes.Contains(head, []byte("\r\nContent-Length: 2")) {
				t.Fatalf("HEAD answered %q, want the GET's Content-Length: 2", head)
			}
			head, content = review18RawAnswer(t, addr, "HEAD / HTTP/1.1\r\nHost: a b\r\n\r\n")
			if !bytes.HasPrefix(head, []byte("HTTP/1.1 400 ")) || len(content) != 0 {
				t.Fatalf("HEAD, bad Host: %q, content %q; want 400, no content", head, content)
			}
			for _, path := range []string{"/204", "/304"} {
				head, content = review18RawAnswer(t, addr, "GET "+path+" HTTP/1.1\r\nHost: x\r\n\r\n")
				if !bytes.HasPrefix(head, []byte("HTTP/1.1 "+path[1:]+" ")) || bytes.Contains(head, []byte("Content-Length")) || len(content) != 0 {
					t.Fatalf("GET %s: %q, content %q; want no Content-Length, no content", path, head, content)
				}
			}
		}
	}
}
