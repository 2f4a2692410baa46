package rawsocket_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
	"github.com/autobahn-go/autobahn/wamp/transport/rawsocket"
)

// recordConn reads from a fixed input and keeps what is written.
type recordConn struct {
	net.Conn
	r  io.Reader
	mu sync.Mutex
	w  bytes.Buffer
}

func (c *recordConn) Read(p []byte) (int, error) { return c.r.Read(p) }
func (c *recordConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.w.Write(p)
}
func (c *recordConn) written() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return bytes.Clone(c.w.Bytes())
}
func (c *recordConn) Close() error                     { return nil }
func (c *recordConn) SetDeadline(time.Time) error      { return nil }
func (c *recordConn) SetReadDeadline(time.Time) error  { return nil }
func (c *recordConn) SetWriteDeadline(time.Time) error { return nil }

// FuzzAcceptHandshake: a server takes any opening handshake without a
// panic. It accepts only the magic octet, zero reserved octets and a
// serializer it has, and answers with its own maximum and that
// serializer; it refuses anything else with an error, after an error
// reply unless the magic octet was wrong. The messages after an accepted
// handshake are read with the chosen serializer (any of the five), within
// the announced maximum.
func FuzzAcceptHandshake(f *testing.F) {
	for id := byte(1); id <= 6; id++ {
		f.Add([]byte{rawsocket.Magic, 0xF0 | id, 0, 0}, []byte{0, 0, 0, 8, '[', '1', '7', ',', '1', ',', '2', ']'})
		f.Add([]byte{rawsocket.Magic, id, 0, 0}, []byte{1, 0, 0, 2, 'h', 'i', 2, 0, 0, 0})
	}
	f.Add([]byte{rawsocket.Magic, 0x31, 0, 1}, []byte(nil))
	f.Add([]byte{0x16, 0x03, 0x01, 0x02}, []byte(nil))
	f.Add([]byte{rawsocket.Magic, 0x02}, []byte(nil))
	f.Add([]byte{rawsocket.Magic, 0x02, 0, 0}, []byte{0, 0, 0, 4, 0x94, 0x10, 0x01, 0x80})
	f.Add([]byte{rawsocket.Magic, 0x03, 0, 0}, []byte{0, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, hello, in []byte) {
		nc := &recordConn{r: io.MultiReader(bytes.NewReader(hello), bytes.NewReader(in))}
		max := 4096
		c, err := rawsocket.Accept(context.Background(), nc, rawsocket.ServerOptions{Serializers: all, MaxMessageLen: max})
		out := nc.written()
		hello = append(bytes.Clone(hello), in...) // the hello is the first 4 octets of both
		if len(hello) < 4 {
			if err == nil || len(out) != 0 {
				t.Fatalf("%x: accepted a short hello (%v), wrote %x", hello, err, out)
			}
			return
		}
		valid := hello[0] == rawsocket.Magic && hello[2] == 0 && hello[3] == 0 && hello[1]&0x0F >= 1 && hello[1]&0x0F <= 5
		if (err == nil) != valid {
			t.Fatalf("%x: %v", hello, err)
		}
		if err != nil {
			if hello[0] != rawsocket.Magic {
				if len(out) != 0 || !errors.Is(err, rawsocket.ErrBadMagic) {
					t.Fatalf("%x: wrote %x, %v", hello, out, err)
				}
				return
			}
			if len(out) != 4 || out[0] != rawsocket.Magic || out[1]&0x0F != 0 || out[1]>>4 == 0 || out[2] != 0 || out[3] != 0 {
				t.Fatalf("%x: error reply %x (%v)", hello, out, err)
			}
			return
		}
		defer c.Close()
		if len(out) != 4 || out[0] != rawsocket.Magic || out[1]&0x0F != hello[1]&0x0F || out[2] != 0 || out[3] != 0 {
			t.Fatalf("%x: reply %x", hello, out)
		}
		if id, _ := rawsocket.SerializerID(c.Serializer()); id != hello[1]&0x0F {
			t.Fatalf("%x: serializer %s", hello, c.Serializer().Name())
		}
		if c.MaxRecvLen() != max || c.MaxSendLen() < rawsocket.MinMaxMessageLen || c.MaxSendLen() > rawsocket.MaxFrameLen {
			t.Fatalf("%x: max recv %d send %d", hello, c.MaxRecvLen(), c.MaxSendLen())
		}
		for range 50 {
			if _, err := c.Recv(context.Background()); err != nil {
				return
			}
		}
	})
}

// FuzzClientHandshake: a client takes any reply to its hello without a
// panic: it accepts only the magic octet, its own serializer and zero
// reserved octets, and then sends within the maximum the server
// announced; an error code in the reply is a *HandshakeError.
func FuzzClientHandshake(f *testing.F) {
	f.Add([]byte{rawsocket.Magic, 0x01, 0, 0})
	f.Add([]byte{rawsocket.Magic, 0xF1, 0, 0})
	f.Add([]byte{rawsocket.Magic, 0x10, 0, 0})
	f.Add([]byte{rawsocket.Magic, 0x40, 0, 0})
	f.Add([]byte{rawsocket.Magic, 0x02, 0, 0})
	f.Add([]byte{rawsocket.Magic, 0x01, 1, 0})
	f.Add([]byte{0, 0x01, 0, 0})
	f.Add([]byte{rawsocket.Magic})
	f.Fuzz(func(t *testing.T, reply []byte) {
		nc := &recordConn{r: bytes.NewReader(reply)}
		c, err := rawsocket.Client(context.Background(), nc, rawsocket.Options{Serializer: json.Serializer{}, MaxMessageLen: 1024})
		hello := nc.written()
		if len(hello) != 4 || hello[0] != rawsocket.Magic || hello[1] != 0x11 || hello[2] != 0 || hello[3] != 0 {
			t.Fatalf("hello %x", hello)
		}
		valid := len(reply) >= 4 && reply[0] == rawsocket.Magic && reply[1]&0x0F == 1 && reply[2] == 0 && reply[3] == 0
		if (err == nil) != valid {
			t.Fatalf("%x: %v", reply, err)
		}
		if err != nil {
			var he *rawsocket.HandshakeError
			if len(reply) >= 4 && reply[0] == rawsocket.Magic && reply[1]&0x0F == 0 && (!errors.As(err, &he) || he.Code != rawsocket.HandshakeCode(reply[1]>>4)) {
				t.Fatalf("%x: %v", reply, err)
			}
			return
		}
		defer c.Close()
		want := min(1<<(9+int(reply[1]>>4)), rawsocket.MaxFrameLen)
		if c.MaxSendLen() != want || c.MaxRecvLen() != 1024 {
			t.Fatalf("%x: max send %d (want %d), recv %d", reply, c.MaxSendLen(), want, c.MaxRecvLen())
		}
		big := &wamp.Publish{Request: 1, Options: wamp.Dict{}, Topic: "a.b", Args: wamp.List{string(make([]byte, c.MaxSendLen()))}}
		if err := c.Send(context.Background(), big); err == nil {
			t.Fatalf("%x: sent a message past the server's maximum %d", reply, c.MaxSendLen())
		}
	})
}

// FuzzParseHeader: a frame header gives back its type and length, and
// AppendHeader writes the same header again.
func FuzzParseHeader(f *testing.F) {
	f.Add([]byte{0, 0, 0, 8})
	f.Add([]byte{1, 0xff, 0xff, 0xff})
	f.Add([]byte{3, 0, 0, 0})
	f.Add([]byte{8, 0, 0, 0})
	f.Fuzz(func(t *testing.T, h []byte) {
		if len(h) < 4 {
			return
		}
		typ, n, err := rawsocket.ParseHeader(h)
		if err != nil {
			if h[0]&0xF8 == 0 && h[0]&7 <= 2 {
				t.Fatalf("%x: %v", h[:4], err)
			}
			return
		}
		if n < 0 || n > rawsocket.MaxFrameLen || typ > rawsocket.FramePong {
			t.Fatalf("%x: type %d length %d", h[:4], typ, n)
		}
		if again := rawsocket.AppendHeader(nil, typ, n); !bytes.Equal(again, h[:4]) {
			t.Fatalf("%x: written again as %x", h[:4], again)
		}
	})
}
