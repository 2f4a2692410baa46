package eventloop_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/autobahn-go/autobahn/eventloop"
)

// echo writes every input back.
type echo struct{}

func (echo) OnOpen(c *eventloop.Conn) {}

func (echo) OnData(c *eventloop.Conn, in []byte) int {
	c.Write(in)
	return len(in)
}

func (echo) OnWritable(c *eventloop.Conn)         {}
func (echo) OnClose(c *eventloop.Conn, err error) {}

func ExampleNew() {
	l, err := eventloop.New(eventloop.Config{}, echo{})
	if err != nil {
		panic(err)
	}
	addr, err := l.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	done := make(chan error, 1)
	go func() { done <- l.Run() }()

	c, err := net.Dial("tcp", addr.String())
	if err != nil {
		panic(err)
	}
	c.Write([]byte("hello"))
	buf := make([]byte, 5)
	io.ReadFull(c, buf)
	fmt.Println(string(buf))
	c.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	l.Shutdown(ctx)
	fmt.Println(<-done)
	// Output:
	// hello
	// <nil>
}

// client prints what it receives and closes.
type client struct{ got chan string }

func (client) OnOpen(c *eventloop.Conn) { c.Write([]byte("ping")) }

func (h client) OnData(c *eventloop.Conn, in []byte) int {
	if len(in) < 4 {
		return 0 // wait for the rest
	}
	h.got <- string(in)
	c.Close()
	return len(in)
}

func (client) OnWritable(c *eventloop.Conn) {}

func (h client) OnClose(c *eventloop.Conn, err error) { close(h.got) }

func ExampleLoop_Dial() {
	server, _ := eventloop.New(eventloop.Config{Loops: 1}, echo{})
	addr, _ := server.Listen("tcp", "127.0.0.1:0")
	go server.Run()

	h := client{got: make(chan string, 1)}
	cl, _ := eventloop.New(eventloop.Config{Loops: 1}, h)
	go cl.Run()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := cl.Dial(ctx, "tcp", addr.String()); err != nil {
		panic(err)
	}
	for s := range h.got {
		fmt.Println(s)
	}
	cl.Shutdown(ctx)
	server.Shutdown(ctx)
	// Output: ping
}

// A producer goroutine writes to a connection with AsyncWrite.
func ExampleConn_AsyncWrite() {
	opened := make(chan *eventloop.Conn, 1)
	l, _ := eventloop.New(eventloop.Config{Loops: 1}, notify{opened})
	addr, _ := l.Listen("tcp", "127.0.0.1:0")
	go l.Run()

	c, _ := net.Dial("tcp", addr.String())
	sc := <-opened
	go sc.AsyncWrite([]byte("tick\n")) // any goroutine
	buf := make([]byte, 5)
	io.ReadFull(c, buf)
	fmt.Print(string(buf))
	c.Close()
	l.Shutdown(context.Background())
	// Output: tick
}

type notify struct{ opened chan *eventloop.Conn }

func (n notify) OnOpen(c *eventloop.Conn)              { n.opened <- c }
func (notify) OnData(c *eventloop.Conn, in []byte) int { return len(in) }
func (notify) OnWritable(c *eventloop.Conn)            {}
func (notify) OnClose(c *eventloop.Conn, err error)    {}

// upper answers each request on a goroutine of its own; the connection reads the next request only
// once the answer is on its way, so a client that sends faster than it is served is held back by
// TCP flow control instead of by memory.
type upper struct{}

func (upper) OnOpen(c *eventloop.Conn) {}

func (upper) OnData(c *eventloop.Conn, in []byte) int {
	req := bytes.ToUpper(in) // a copy: in is valid only during the call
	c.PauseRead()
	go func() {
		c.AsyncWrite(req) // the slow work would be here
		c.ResumeRead()
	}()
	return len(in)
}

func (upper) OnWritable(c *eventloop.Conn)         {}
func (upper) OnClose(c *eventloop.Conn, err error) {}

func ExampleConn_PauseRead() {
	l, _ := eventloop.New(eventloop.Config{Loops: 1}, upper{})
	addr, _ := l.Listen("tcp", "127.0.0.1:0")
	go l.Run()

	c, _ := net.Dial("tcp", addr.String())
	r := bufio.NewReader(c)
	for _, req := range []string{"hello\n", "world\n"} {
		c.Write([]byte(req))
		answer, _ := r.ReadString('\n')
		fmt.Print(answer)
	}
	c.Close()
	l.Shutdown(context.Background())
	// Output:
	// HELLO
	// WORLD
}
