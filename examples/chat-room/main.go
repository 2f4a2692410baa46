// Command chat-room is a WebSocket chat room on the event loop: every
// text message a member sends goes to every member, framed once
// (ws.PreparedMessage) however many members there are. Idle members cost
// no goroutine and no buffer (ws/wsloop), so one process holds many
// thousands of them; each member's output queue is bounded (the wsloop
// default), and a member too slow to take its messages is dropped with
// 1008 rather than held in memory.
//
//	go run ./examples/chat-room -addr 127.0.0.1:9000
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"sync"
	"syscall"

	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/wsloop"
)

// room is the ws.Handler of every member.
type room struct {
	ws.BaseHandler
	mu      sync.RWMutex
	members map[*ws.Conn]struct{}
}

func (r *room) OnOpen(c *ws.Conn) {
	r.mu.Lock()
	r.members[c] = struct{}{}
	r.mu.Unlock()
}

func (r *room) OnClose(c *ws.Conn, _ bool, _ ws.StatusCode, _ string) {
	r.mu.Lock()
	delete(r.members, c)
	r.mu.Unlock()
}

// OnMessage broadcasts a text message to every member, the sender too.
func (r *room) OnMessage(_ *ws.Conn, op ws.Opcode, payload []byte) {
	if op == ws.OpBinary {
		return
	}
	pm := ws.NewPreparedMessage(ws.OpText, payload) // framed once, for all
	var slow []*ws.Conn
	r.mu.RLock()
	for m := range r.members {
		// On the loop a write never waits: it queues, or fails when the
		// member's queue is full.
		if err := m.WritePrepared(context.Background(), pm); errors.Is(err, ws.ErrQueueFull) {
			slow = append(slow, m)
		}
	}
	r.mu.RUnlock()
	for _, m := range slow {
		m.Close(ws.StatusPolicyViolation, "too slow")
	}
}

// size returns the number of members.
func (r *room) size() int {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return len(r.members)
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, nil); err != nil {
		log.Fatal(err)
	}
}

// run serves the room until ctx ends; if r is not nil it is the room
// (tests look at it).
func run(ctx context.Context, args []string, out io.Writer, r *room) error {
	fs := flag.NewFlagSet("chat-room", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:9000", "address to listen on")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil // -h printed the usage: not a failure
		}
		return err
	}
	if r == nil {
		r = &room{}
	}
	r.members = map[*ws.Conn]struct{}{}
	srv := &wsloop.Server{Handler: r}
	a, err := srv.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "chat room on ws://%s/\n", a)
	go func() { <-ctx.Done(); srv.Shutdown(context.Background()) }()
	return srv.Run()
}
