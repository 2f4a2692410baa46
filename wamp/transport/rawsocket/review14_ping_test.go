package rawsocket_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
	"github.com/autobahn-go/autobahn/wamp/transport/rawsocket"
)

// rawPeer dials a loopback listener: it returns a Client Conn (with
// MaxMessageLen clientMax) and the server's end as a plain net.Conn, the
// handshake already answered with a 16 MiB maximum and JSON.
func rawPeer(t *testing.T, clientMax int) (*rawsocket.Conn, net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	peer := make(chan net.Conn, 1)
	go func() {
		nc, err := ln.Accept()
		if err != nil {
			peer <- nil
			return
		}
		hello := make([]byte, 4)
		if _, err := io.ReadFull(nc, hello); err != nil {
			nc.Close()
			peer <- nil
			return
		}
		nc.Write([]byte{rawsocket.Magic, 0xF0 | hello[1]&0x0F, 0, 0})
		peer <- nc
	}()
	c, err := rawsocket.Dial(ctxT(t), "tcp", ln.Addr().String(), rawsocket.Options{Serializer: json.Serializer{}, MaxMessageLen: clientMax})
	if err != nil {
		t.Fatal(err)
	}
	nc := <-peer
	if nc == nil {
		c.Close()
		t.Fatal("peer: accept failed")
	}
	t.Cleanup(func() { c.Close(); nc.Close() })
	return c, nc
}

// readRawFrame reads one frame from nc.
func readRawFrame(t *testing.T, nc net.Conn) (rawsocket.FrameType, []byte) {
	t.Helper()
	var h [4]byte
	if _, err := io.ReadFull(nc, h[:]); err != nil {
		t.Fatal(err)
	}
	ft, n, err := rawsocket.ParseHeader(h[:])
	if err != nil {
		t.Fatal(err)
	}
	p := make([]byte, n)
	if _, err := io.ReadFull(nc, p); err != nil {
		t.Fatal(err)
	}
	return ft, p
}

func writeRawFrame(t *testing.T, nc net.Conn, ft rawsocket.FrameType, p []byte) {
	t.Helper()
	if _, err := nc.Write(append(rawsocket.AppendHeader(nil, ft, len(p)), p...)); err != nil {
		t.Fatal(err)
	}
}

// A Ping whose PONG could not come back (its payload longer than what we
// accept, though within what the peer does) is refused before it is sent:
// sent, the peer's echo would end our own connection with
// ErrMessageTooLarge.
func TestReview14PingLongerThanRecvMax(t *testing.T) {
	c, s := connected(t, 512, 0) // the client accepts 512 octets, the server 16 MiB
	if c.MaxRecvLen() != 512 || c.MaxSendLen() != rawsocket.MaxFrameLen {
		t.Fatalf("limits: recv %d send %d", c.MaxRecvLen(), c.MaxSendLen())
	}
	sdone := make(chan error, 1)
	go func() { // the server answers PINGs from Recv
		_, err := s.Recv(context.Background())
		sdone <- err
	}()
	cdone := make(chan error, 1)
	go func() { // the client's reader, closing on error as a router does
		_, err := c.Recv(context.Background())
		c.Close()
		cdone <- err
	}()
	if err := c.Ping(ctxT(t), bytes.Repeat([]byte("p"), 513)); !errors.Is(err, rawsocket.ErrMessageTooLarge) {
		t.Fatalf("Ping of 513 octets with a 512-octet maximum: %v, want ErrMessageTooLarge", err)
	}
	// The connection is intact: a Ping of the largest size that can come
	// back works.
	if err := c.Ping(ctxT(t), bytes.Repeat([]byte("q"), 512)); err != nil {
		t.Fatalf("Ping of 512 octets: %v", err)
	}
	c.Close()
	s.Close()
	<-sdone
	<-cdone
}

// A PONG that does not echo the PING's payload (a late answer to an
// earlier Ping that gave up) does not end the Ping waiting now.
func TestReview14PingIgnoresStalePong(t *testing.T) {
	c, nc := rawPeer(t, 0)
	msgs := make(chan wamp.Message, 1)
	rdone := make(chan error, 1)
	go func() {
		for {
			m, err := c.Recv(context.Background())
			if err != nil {
				rdone <- err
				return
			}
			msgs <- m
		}
	}()

	// A first Ping gives up before its PONG comes.
	ctx1, cancel1 := context.WithCancel(ctxT(t))
	first := make(chan error, 1)
	go func() { first <- c.Ping(ctx1, []byte("first")) }()
	if ft, p := readRawFrame(t, nc); ft != rawsocket.FramePing || string(p) != "first" {
		t.Fatalf("frame %d %q, want PING \"first\"", ft, p)
	}
	cancel1()
	if err := <-first; !errors.Is(err, context.Canceled) {
		t.Fatalf("first Ping: %v", err)
	}

	second := make(chan error, 1)
	go func() { second <- c.Ping(ctxT(t), []byte("second")) }()
	if ft, p := readRawFrame(t, nc); ft != rawsocket.FramePing || string(p) != "second" {
		t.Fatalf("frame %d %q, want PING \"second\"", ft, p)
	}
	// The late PONG of the first Ping, then a message: once Recv has
	// returned the message, it has handled the PONG.
	writeRawFrame(t, nc, rawsocket.FramePong, []byte("first"))
	pub, err := json.Serializer{}.AppendMessage(nil, &wamp.Publish{Request: 1, Options: wamp.Dict{}, Topic: "t"})
	if err != nil {
		t.Fatal(err)
	}
	writeRawFrame(t, nc, rawsocket.FrameRegular, pub)
	select {
	case <-msgs:
	case err := <-rdone:
		t.Fatal(err)
	}
	// The second Ping still waits: a third one is refused at once (with
	// a ctx already ended, so that, were it let through, it would not wait).
	ended, cancel3 := context.WithCancel(context.Background())
	cancel3()
	if err := c.Ping(ended, []byte("third")); err == nil || errors.Is(err, context.Canceled) {
		t.Fatalf("third Ping: %v; want the error of a Ping already waiting (the second Ping ended by the first one's PONG)", err)
	}
	writeRawFrame(t, nc, rawsocket.FramePong, []byte("second"))
	if err := <-second; err != nil {
		t.Fatalf("second Ping: %v", err)
	}
	c.Close()
	if err := <-rdone; !errors.Is(err, rawsocket.ErrClosed) {
		t.Fatalf("Recv after Close: %v", err)
	}
}

// A PING of the largest size a frame carries (both sides at 16 MiB) is
// answered with a PONG echoing all of it.
func TestReview14PingMaxSize(t *testing.T) {
	c, s := connected(t, 0, 0)
	sdone := make(chan error, 1)
	go func() {
		_, err := s.Recv(context.Background())
		sdone <- err
	}()
	cdone := make(chan error, 1)
	go func() {
		_, err := c.Recv(context.Background())
		cdone <- err
	}()
	payload := bytes.Repeat([]byte("0123456789abcdef"), rawsocket.MaxFrameLen/16+1)[:rawsocket.MaxFrameLen]
	if err := c.Ping(ctxT(t), payload); err != nil {
		t.Fatalf("Ping of %d octets: %v", len(payload), err)
	}
	if err := c.Ping(ctxT(t), append(payload, 'x')); !errors.Is(err, rawsocket.ErrMessageTooLarge) {
		t.Fatalf("Ping of %d octets: %v", len(payload)+1, err)
	}
	c.Close()
	s.Close()
	<-sdone
	<-cdone
}
