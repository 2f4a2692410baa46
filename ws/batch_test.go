package ws_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/ext/deflate"
)

// countConn counts the Write calls on a net.Conn.
type countConn struct {
	net.Conn
	writes atomic.Int64
}

func (c *countConn) Write(p []byte) (int, error) {
	c.writes.Add(1)
	return c.Conn.Write(p)
}

// wsPair is a client and a server Conn over TCP loopback, with the
// counting net.Conns under them.
type wsPair struct {
	client, server *ws.Conn
	cw, sw         *countConn
}

// conn returns the Conn playing role and its counter.
func (p *wsPair) conn(role ws.Role) (*ws.Conn, *countConn) {
	if role == ws.RoleClient {
		return p.client, p.cw
	}
	return p.server, p.sw
}

// peer returns the Conn at the other end from role.
func (p *wsPair) peer(role ws.Role) *ws.Conn {
	if role == ws.RoleClient {
		return p.server
	}
	return p.client
}

// newPair connects a client and a server made with opts (both sides);
// both are closed when the test ends.
func newPair(t testing.TB, opts *ws.Options) *wsPair {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	p := &wsPair{}
	accepted := make(chan error, 1)
	go func() {
		nc, err := ln.Accept()
		if err != nil {
			accepted <- err
			return
		}
		p.sw = &countConn{Conn: nc}
		p.server, err = ws.UpgradeConn(context.Background(), p.sw, ws.BaseHandler{}, opts)
		if err != nil {
			nc.Close()
		}
		accepted <- err
	}()
	copts := *opts
	copts.NetDial = func(ctx context.Context, network, addr string) (net.Conn, error) {
		var d net.Dialer
		nc, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		p.cw = &countConn{Conn: nc}
		return p.cw, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	p.client, err = ws.Dial(ctx, "ws://"+ln.Addr().String()+"/", &copts)
	if err != nil {
		t.Fatal(err)
	}
	if err := <-accepted; err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// Closing both at once: each reads the other's close frame.
		done := make(chan struct{})
		go func() { p.server.Close(ws.StatusNormalClosure, ""); close(done) }()
		p.client.Close(ws.StatusNormalClosure, "")
		<-done
	})
	return p
}

// readN reads n messages from c on a goroutine and returns them (copied)
// on the channel, or an error.
func readN(c *ws.Conn, n int) <-chan any {
	out := make(chan any, 1)
	go func() {
		var ops []ws.Opcode
		var msgs [][]byte
		for range n {
			op, p, err := c.ReadMessage(context.Background())
			if err != nil {
				out <- err
				return
			}
			ops = append(ops, op)
			msgs = append(msgs, bytes.Clone(p))
		}
		out <- [2]any{ops, msgs}
	}()
	return out
}

// checkReceived waits for readN's result and compares it with want.
func checkReceived(t *testing.T, got <-chan any, op ws.Opcode, want [][]byte) {
	t.Helper()
	var r any
	select {
	case r = <-got:
	case <-time.After(10 * time.Second):
		t.Fatal("messages did not arrive")
	}
	if err, ok := r.(error); ok {
		t.Fatalf("read: %v", err)
	}
	res := r.([2]any)
	ops, msgs := res[0].([]ws.Opcode), res[1].([][]byte)
	for i := range want {
		if ops[i] != op || !bytes.Equal(msgs[i], want[i]) {
			t.Fatalf("message %d: %v, %d bytes; want %v, %d bytes", i, ops[i], len(msgs[i]), op, len(want[i]))
		}
	}
}

// mixedPayloads returns messages of the sizes around every frame length
// encoding, text (valid UTF-8) or binary.
func mixedPayloads(op ws.Opcode) [][]byte {
	var out [][]byte
	for _, n := range []int{0, 1, 125, 126, 65535, 65536, 1 << 20, 3, 126, 0, 65536, 1} {
		var p []byte
		if op == ws.OpText {
			p = []byte(strings.Repeat("aé€", n/6+1)[:n])
			p = []byte(strings.ToValidUTF8(string(p), "x"))
		} else {
			p = bytes.Repeat([]byte{0, 1, 2, 0xff, byte(n)}, n/5+1)[:n]
		}
		out = append(out, p)
	}
	return out
}

var roles = []ws.Role{ws.RoleClient, ws.RoleServer}

func roleName(r ws.Role) string {
	if r == ws.RoleClient {
		return "client"
	}
	return "server"
}

// TestWriteMessages: every message arrives whole and in order, from both
// roles, plain, fragmented and compressed (deflate encodes some messages
// and not others).
func TestWriteMessages(t *testing.T) {
	configs := []struct {
		name string
		opts ws.Options
	}{
		{"plain", ws.Options{}},
		{"fragmented", ws.Options{AutoFragmentSize: 1000}},
		{"deflate", ws.Options{Extensions: []ws.Extension{deflate.New(deflate.Options{})}}},
	}
	for _, cfg := range configs {
		p := newPair(t, &cfg.opts)
		if cfg.opts.Extensions != nil && p.client.Extensions() == "" {
			t.Fatal("deflate was not negotiated")
		}
		for _, role := range roles {
			for _, op := range []ws.Opcode{ws.OpText, ws.OpBinary} {
				t.Run(fmt.Sprintf("%s/%s/%v", cfg.name, roleName(role), op), func(t *testing.T) {
					c, _ := p.conn(role)
					msgs := mixedPayloads(op)
					got := readN(p.peer(role), len(msgs))
					if err := c.WriteMessages(context.Background(), op, msgs); err != nil {
						t.Fatal(err)
					}
					checkReceived(t, got, op, msgs)
				})
			}
		}
	}
}

// TestWriteMessagesOneWrite: small messages leave in one write on the
// fast path, and with messages the extension compresses too.
func TestWriteMessagesOneWrite(t *testing.T) {
	small := make([][]byte, 16)
	for i := range small {
		small[i] = bytes.Repeat([]byte{byte('a' + i)}, 64)
	}
	compressible := make([][]byte, 16)
	for i := range compressible {
		compressible[i] = bytes.Repeat([]byte("compress me "), 40)
	}
	configs := []struct {
		name string
		opts ws.Options
		msgs [][]byte
	}{
		{"plain", ws.Options{}, small},
		{"deflate", ws.Options{Extensions: []ws.Extension{deflate.New(deflate.Options{})}}, compressible},
	}
	for _, cfg := range configs {
		p := newPair(t, &cfg.opts)
		for _, role := range roles {
			t.Run(fmt.Sprintf("%s/%s", cfg.name, roleName(role)), func(t *testing.T) {
				c, cc := p.conn(role)
				got := readN(p.peer(role), len(cfg.msgs))
				before := cc.writes.Load()
				if err := c.WriteMessages(context.Background(), ws.OpBinary, cfg.msgs); err != nil {
					t.Fatal(err)
				}
				if n := cc.writes.Load() - before; n != 1 {
					t.Errorf("%d writes for %d messages, want 1", n, len(cfg.msgs))
				}
				checkReceived(t, got, ws.OpBinary, cfg.msgs)
			})
		}
	}
}

// TestWriteMessagesInvalidUTF8: one bad text payload refuses the whole
// call before anything is sent; the connection stays usable.
func TestWriteMessagesInvalidUTF8(t *testing.T) {
	p := newPair(t, &ws.Options{})
	for _, role := range roles {
		c, cc := p.conn(role)
		before := cc.writes.Load()
		err := c.WriteMessages(context.Background(), ws.OpText, [][]byte{[]byte("ok"), []byte("bad \xff"), []byte("ok")})
		if !errors.Is(err, ws.ErrInvalidUTF8) {
			t.Fatalf("%s: %v", roleName(role), err)
		}
		if n := cc.writes.Load() - before; n != 0 {
			t.Fatalf("%s: %d writes for a refused call", roleName(role), n)
		}
		got := readN(p.peer(role), 1)
		if err := c.WriteMessages(context.Background(), ws.OpText, [][]byte{[]byte("after")}); err != nil {
			t.Fatal(err)
		}
		checkReceived(t, got, ws.OpText, [][]byte{[]byte("after")})
	}
}

// TestWriteMessagesClosed: after Close, WriteMessages returns ErrClosed.
func TestWriteMessagesClosed(t *testing.T) {
	p := newPair(t, &ws.Options{})
	go p.server.ReadMessage(context.Background()) // answers the close frame
	if err := p.client.Close(ws.StatusNormalClosure, ""); err != nil {
		t.Fatal(err)
	}
	if err := p.client.WriteMessages(context.Background(), ws.OpBinary, [][]byte{{1}}); !errors.Is(err, ws.ErrClosed) {
		t.Fatalf("after Close: %v", err)
	}
	if err := p.client.WriteMessages(context.Background(), ws.OpBinary, [][]byte{{1}, {2}}); !errors.Is(err, ws.ErrClosed) {
		t.Fatalf("after Close: %v", err)
	}
}

// BenchmarkWriteMessages compares one WriteMessages call with a
// WriteMessage per message: 16 messages of 64 bytes to a peer that
// discards them.
func BenchmarkWriteMessages(b *testing.B) {
	msgs := make([][]byte, 16)
	for i := range msgs {
		msgs[i] = make([]byte, 64)
	}
	for _, role := range roles {
		for _, batched := range []bool{true, false} {
			name := "WriteMessage"
			if batched {
				name = "WriteMessages"
			}
			b.Run(fmt.Sprintf("%s/%s", roleName(role), name), func(b *testing.B) {
				p := newPair(b, &ws.Options{CloseTimeout: 100 * time.Millisecond})
				c, _ := p.conn(role)
				// Read on the peer's socket directly, so its frames are
				// not parsed on our time.
				go io.Copy(io.Discard, p.peer(role).NetConn())
				ctx := context.Background()
				b.SetBytes(int64(len(msgs) * 64))
				b.ReportAllocs()
				for b.Loop() {
					if batched {
						if err := c.WriteMessages(ctx, ws.OpBinary, msgs); err != nil {
							b.Fatal(err)
						}
						continue
					}
					for _, m := range msgs {
						if err := c.WriteMessage(ctx, ws.OpBinary, m); err != nil {
							b.Fatal(err)
						}
					}
				}
			})
		}
	}
}

// Several goroutines may call WriteMessages, WriteMessage and Ping at once.
func TestWriteMessagesConcurrent(t *testing.T) {
	p := newPair(t, &ws.Options{})
	const writers, each = 4, 50
	got := readN(p.server, writers*each*3)
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				m := []byte(fmt.Sprintf("%d/%d", w, i))
				if err := p.client.WriteMessages(context.Background(), ws.OpText, [][]byte{m, m}); err != nil {
					t.Error(err)
					return
				}
				if err := p.client.WriteMessage(context.Background(), ws.OpText, m); err != nil {
					t.Error(err)
					return
				}
				_ = p.client.Ping(context.Background(), nil)
			}
		}()
	}
	wg.Wait()
	r := <-got
	if err, ok := r.(error); ok {
		t.Fatal(err)
	}
	msgs := r.([2]any)[1].([][]byte)
	next := make([]int, writers) // per writer, the message expected next
	seen := make([]int, writers)
	for _, m := range msgs {
		var w, i int
		if _, err := fmt.Sscanf(string(m), "%d/%d", &w, &i); err != nil {
			t.Fatal(err)
		}
		if i != next[w] {
			t.Fatalf("writer %d: message %d, want %d", w, i, next[w])
		}
		if seen[w]++; seen[w]%3 == 0 {
			next[w]++
		}
	}
}
