package websocket

import (
	"context"
	"errors"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
	"github.com/autobahn-go/autobahn/ws"
)

// pipePair returns two Conns (server, client) over net.Pipe.
func pipePair(t *testing.T) (*Conn, *Conn) {
	t.Helper()
	p1, p2 := net.Pipe()
	opts := Options{Serializers: []wamp.Serializer{json.Serializer{}}}
	neg := ws.Negotiated{Subprotocol: "wamp.2.json"}
	a, err := New(ws.NewConn(p1, ws.RoleServer, nil, neg, nil), opts)
	if err != nil {
		t.Fatal(err)
	}
	b, err := New(ws.NewConn(p2, ws.RoleClient, nil, neg, nil), opts)
	if err != nil {
		t.Fatal(err)
	}
	return a, b
}

func holdsWriter(c *Conn) bool {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return c.w != nil
}

// An idle Conn holds no writer: a lone Send (written by the Send itself)
// gives it back to the pool, messages from many senders still arrive,
// each sender's in order, through writers the Conns take and give back,
// and a Send after Close returns ErrClosed.
func TestWriterReleasedWhenIdle(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	a, b := pipePair(t)
	defer b.Close()
	if holdsWriter(a) {
		t.Fatal("a new Conn holds a writer")
	}
	got := make(chan wamp.Message, 1)
	go func() {
		m, err := b.Recv(ctx)
		if err != nil {
			t.Error(err)
		}
		got <- m
	}()
	if err := a.Send(ctx, &wamp.Publish{Request: 7, Topic: "t", Options: wamp.Dict{}}); err != nil {
		t.Fatal(err)
	}
	if m := <-got; m == nil || m.(*wamp.Publish).Request != 7 {
		t.Fatalf("got %v", m)
	}
	if holdsWriter(a) {
		t.Fatal("an idle Conn holds its writer after a lone Send")
	}

	// A burst from 8 senders on both Conns at once.
	const senders, each = 8, 100
	var wg sync.WaitGroup
	for _, c := range []*Conn{a, b} {
		for s := range senders {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range each {
					if err := c.Send(ctx, &wamp.Publish{Request: wamp.ID(s*each + i + 1), Topic: "t", Options: wamp.Dict{}}); err != nil {
						t.Error(err)
						return
					}
				}
			}()
		}
	}
	recvAll := func(c *Conn, done chan<- error) {
		next := make([]wamp.ID, senders)
		for range senders * each {
			m, err := c.Recv(ctx)
			if err != nil {
				done <- err
				return
			}
			id := m.(*wamp.Publish).Request - 1
			s := int(id) / each
			if wamp.ID(s*each)+next[s] != id {
				done <- errors.New("a sender's messages arrived out of order")
				return
			}
			next[s]++
		}
		done <- nil
	}
	doneA, doneB := make(chan error, 1), make(chan error, 1)
	go recvAll(a, doneA)
	go recvAll(b, doneB)
	for _, d := range []chan error{doneA, doneB} {
		if err := <-d; err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()

	peerDone := make(chan struct{})
	go func() { // b reads a's close frame and answers it
		defer close(peerDone)
		if _, err := b.Recv(ctx); err == nil {
			t.Error("b received a message after the burst")
		}
	}()
	if err := a.Close(); err != nil {
		t.Error(err)
	}
	<-peerDone
	if err := a.Send(ctx, &wamp.Goodbye{Details: wamp.Dict{}, Reason: "x"}); err != ErrClosed {
		t.Fatalf("Send after Close = %v, want ErrClosed", err)
	}
}
