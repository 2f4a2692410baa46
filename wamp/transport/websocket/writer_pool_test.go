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

// pipePair returns two Conns (server, client) over a loopback TCP
// connection (on which ws.Conn.AwaitInput really waits).
func pipePair(t *testing.T) (*Conn, *Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	p2, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	p1, err := ln.Accept()
	if err != nil {
		p2.Close()
		t.Fatal(err)
	}
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

// A Conn whose reader parks (AwaitInput(0)) gives its idle writer back
// to the pool; the next Send takes one again; messages from many senders
// still arrive, each sender's in order, through writers the Conns take
// and give back; and a Send after Close returns ErrClosed.
func TestWriterRetiredWhenParked(t *testing.T) {
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
	if !holdsWriter(a) {
		t.Fatal("a Conn that sent gave its writer up before parking")
	}
	type recvd struct {
		woke bool
		m    wamp.Message
		err  error
	}
	parked := make(chan recvd, 1)
	go func() { // a's reader parks, then reads what wakes it
		var r recvd
		r.woke = a.AwaitInput(0)
		r.m, r.err = a.Recv(ctx)
		parked <- r
	}()
	for holdsWriter(a) {
		if ctx.Err() != nil {
			t.Fatal("a parked idle Conn still holds its writer")
		}
		time.Sleep(time.Millisecond)
	}
	if err := b.Send(ctx, &wamp.Publish{Request: 8, Topic: "t", Options: wamp.Dict{}}); err != nil {
		t.Fatal(err)
	}
	if r := <-parked; !r.woke || r.err != nil || r.m.(*wamp.Publish).Request != 8 {
		t.Fatalf("AwaitInput = %v, Recv = %v, %v", r.woke, r.m, r.err)
	}

	// A Send while a's reader is parked takes a writer and retires it
	// when it ends (wamp/router parks a session's reader as soon as it
	// queued WELCOME, before its writer sent it).
	go func() { // a's reader parks, then reads what wakes it
		var r recvd
		r.woke = a.AwaitInput(0)
		r.m, r.err = a.Recv(ctx)
		parked <- r
	}()
	for {
		a.wmu.Lock()
		p := a.wparked
		a.wmu.Unlock()
		if p {
			break
		}
		if ctx.Err() != nil {
			t.Fatal("a's reader did not park")
		}
		time.Sleep(time.Millisecond)
	}
	go func() {
		m, err := b.Recv(ctx)
		if err != nil {
			t.Error(err)
		}
		got <- m
	}()
	if err := a.Send(ctx, &wamp.Publish{Request: 9, Topic: "t", Options: wamp.Dict{}}); err != nil {
		t.Fatal(err)
	}
	if m := <-got; m == nil || m.(*wamp.Publish).Request != 9 {
		t.Fatalf("got %v", m)
	}
	if holdsWriter(a) {
		t.Fatal("a Send while parked kept its writer")
	}
	if err := b.Send(ctx, &wamp.Publish{Request: 10, Topic: "t", Options: wamp.Dict{}}); err != nil {
		t.Fatal(err)
	}
	if r := <-parked; !r.woke || r.err != nil || r.m.(*wamp.Publish).Request != 10 {
		t.Fatalf("AwaitInput = %v, Recv = %v, %v", r.woke, r.m, r.err)
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
