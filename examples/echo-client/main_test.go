package main

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/examples/internal/exampletest"
	"github.com/autobahn-go/autobahn/internal/leakcheck"
	"github.com/autobahn-go/autobahn/ws"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }

// upper answers every message with its text in upper case, so the test
// sees the server's answer, not its own message.
type upper struct{ ws.BaseHandler }

func (upper) OnMessage(c *ws.Conn, _ ws.Opcode, p []byte) {
	for i, b := range p {
		if 'a' <= b && b <= 'z' {
			p[i] = b - 'a' + 'A'
		}
	}
	c.WriteMessage(context.Background(), ws.OpText, p)
}

// The client sends its arguments as one message and prints the reply.
func TestEchoClient(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &ws.Server{Handler: upper{}}
	served := make(chan struct{})
	go func() { defer close(served); srv.Serve(ln) }()
	defer func() {
		ln.Close()
		srv.Shutdown(context.Background())
		<-served
	}()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out := exampletest.NewOutput()
	if err := run(ctx, []string{"-url", "ws://" + ln.Addr().String() + "/echo", "hello", "there"}, out); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); got != "HELLO THERE\n" {
		t.Errorf("output %q, want %q", got, "HELLO THERE\n")
	}
	if err := run(ctx, []string{"-url", "ftp://" + ln.Addr().String()}, out); err == nil {
		t.Error("an ftp:// URL: no error")
	}
}
