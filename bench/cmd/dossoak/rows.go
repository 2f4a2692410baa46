package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/ext/bzip2"
	"github.com/autobahn-go/autobahn/ws/ext/deflate"
	"github.com/autobahn-go/autobahn/ws/ext/snappy"
)

func request(tg target, extra string) string {
	return "GET " + tg.path + " HTTP/1.1\r\nHost: " + tg.addr + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n" + extra + "\r\n"
}

type conn struct {
	nc net.Conn
	br *bufio.Reader
}

func dial(tg target) (*conn, error) {
	nc, err := net.Dial("tcp", tg.addr)
	if err != nil {
		return nil, err
	}
	_ = nc.SetDeadline(time.Now().Add(*maxRow))
	return &conn{nc, bufio.NewReader(nc)}, nil
}

func upgrade(tg target) (*conn, error) {
	c, err := dial(tg)
	if err != nil {
		return nil, err
	}
	if _, err := c.nc.Write([]byte(request(tg, ""))); err != nil {
		c.nc.Close()
		return nil, err
	}
	if h := c.head(); !strings.HasPrefix(h, "HTTP/1.1 101 ") {
		c.nc.Close()
		return nil, fmt.Errorf("handshake: %.40q", h)
	}
	return c, nil
}

func (c *conn) head() string {
	var b strings.Builder
	for !strings.HasSuffix(b.String(), "\r\n\r\n") {
		line, err := c.br.ReadString('\n')
		b.WriteString(line)
		if err != nil {
			break
		}
	}
	return b.String()
}

func ended(err error) bool {
	return err == nil || errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET)
}

// end reads until the server closes: "close N", "EOF", or "held" when the
// row's time ran out first.
func (c *conn) end() (code ws.StatusCode, what string) {
	p := ws.NewParser(ws.ParserConfig{Role: ws.RoleClient})
	buf := make([]byte, 32<<10)
	for {
		n, err := c.br.Read(buf)
		if err != nil {
			if ended(err) {
				return 0, "EOF"
			}
			return 0, "held"
		}
		data := buf[:n]
		for len(data) > 0 {
			k, ev, err := p.Parse(data)
			data = data[k:]
			if err != nil {
				return 0, "answered with a bad frame"
			}
			if ev.Kind == ws.EventClose {
				return ev.Code, fmt.Sprintf("close %d", ev.Code)
			}
		}
	}
}

func frame(op ws.Opcode, fin bool, rsv byte, masked bool, payload []byte) []byte {
	// A zero mask key leaves the payload as it is.
	return append(ws.AppendHeader(nil, ws.Header{Fin: fin, Rsv: rsv, Op: op, Masked: masked, Length: int64(len(payload))}), payload...)
}

func mf(op ws.Opcode, fin bool, p string) []byte { return frame(op, fin, 0, true, []byte(p)) }

// closes sends frames after a handshake and wants the close code want.
func closes(want ws.StatusCode, frames ...[]byte) func(target) (bool, string) {
	return func(tg target) (bool, string) {
		c, err := upgrade(tg)
		if err != nil {
			return false, err.Error()
		}
		defer c.nc.Close()
		go func() { _, _ = c.nc.Write(bytes.Join(frames, nil)) }()
		code, what := c.end()
		return code == want, what
	}
}

// refused sends in and wants a non-101 answer and EOF within 1 s.
func refused(in []byte) func(target) (bool, string) {
	return func(tg target) (bool, string) {
		c, err := dial(tg)
		if err != nil {
			return false, err.Error()
		}
		defer c.nc.Close()
		_ = c.nc.SetDeadline(time.Now().Add(time.Second))
		go func() { _, _ = c.nc.Write(in) }()
		resp, err := io.ReadAll(c.br)
		status, _, _ := strings.Cut(string(resp), "\r\n")
		if len(status) > 12 {
			status = status[9:12]
		}
		switch {
		case !ended(err) && len(resp) == 0:
			return false, "no answer in 1 s"
		case !ended(err):
			return !strings.HasPrefix(status, "101"), status + ", held open"
		case len(resp) == 0:
			return true, "EOF"
		}
		return !strings.HasPrefix(status, "101"), status
	}
}

// heldUntil opens a connection with open and waits for the server to
// let go of it: ok if within d.
func heldUntil(d time.Duration, open func(target) (*conn, error), keep func(*conn, chan struct{})) func(target) (bool, string) {
	return func(tg target) (bool, string) {
		c, err := open(tg)
		if err != nil {
			return false, err.Error()
		}
		defer c.nc.Close()
		stop := make(chan struct{})
		defer close(stop)
		if keep != nil {
			go keep(c, stop)
		}
		t0 := time.Now()
		_, what := c.end()
		took := time.Since(t0).Round(100 * time.Millisecond)
		if what == "held" {
			return false, fmt.Sprintf("held %v", took)
		}
		return took <= d, fmt.Sprintf("%s after %v", what, took)
	}
}

// every calls f each interval until stop or an error.
func every(interval time.Duration, f func() error) func(*conn, chan struct{}) {
	return func(_ *conn, stop chan struct{}) {
		for {
			select {
			case <-stop:
				return
			case <-time.After(interval):
			}
			if f() != nil {
				return
			}
		}
	}
}

// flood writes chunk until total bytes went out (FAIL: nothing held the
// peer back), the writes stall for 3 s (back-pressure) or the server
// closes.
func flood(tg target, chunk []byte, total int64) (bool, string) {
	c, err := upgrade(tg)
	if err != nil {
		return false, err.Error()
	}
	defer c.nc.Close()
	var sent int64
	for sent < total {
		_ = c.nc.SetWriteDeadline(time.Now().Add(3 * time.Second))
		n, err := c.nc.Write(chunk)
		sent += int64(n)
		if err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) {
				return true, fmt.Sprintf("stalled at %d MiB", sent>>20)
			}
			return true, fmt.Sprintf("dropped at %d MiB", sent>>20)
		}
	}
	return false, fmt.Sprintf("took in %d MiB", sent>>20)
}

func bomb(ext func() ws.Extension) func(target) (bool, string) {
	return func(tg target) (bool, string) {
		ctx, cancel := context.WithTimeout(context.Background(), *maxRow)
		defer cancel()
		c, err := ws.Dial(ctx, "ws://"+tg.addr+tg.path, &ws.Options{Extensions: []ws.Extension{ext()}, PingInterval: -1, MaxMessagePayload: -1, MaxFramePayload: -1})
		if err != nil {
			return false, err.Error()
		}
		defer c.Close(ws.StatusNormalClosure, "")
		if c.Extensions() == "" {
			return true, "n/a"
		}
		// 16 MiB of zeros: tens of KiB on the wire.
		if err := c.WriteMessage(ctx, ws.OpBinary, make([]byte, 16<<20)); err != nil {
			return false, err.Error()
		}
		_, p, err := c.ReadMessage(ctx)
		var ce *ws.CloseError
		switch {
		case errors.As(err, &ce):
			return ce.Code == ws.StatusMessageTooBig, fmt.Sprintf("close %d", ce.Code)
		case err == nil:
			return false, fmt.Sprintf("inflated and echoed %d MiB", len(p)>>20)
		}
		return false, err.Error()
	}
}

// clientHello is the first flight of a real TLS client.
func clientHello() []byte {
	a, b := net.Pipe()
	defer a.Close()
	go func() {
		_ = tls.Client(b, &tls.Config{ServerName: "x", InsecureSkipVerify: true}).Handshake()
		b.Close()
	}()
	buf := make([]byte, 4096)
	n, _ := a.Read(buf)
	return buf[:n]
}

var rows = []row{
	{"200 slowloris handshakes", func(tg target) (bool, string) {
		var wg sync.WaitGroup
		var mu sync.Mutex
		held, worst := 0, time.Duration(0)
		for range 200 {
			wg.Go(func() {
				ok, what := heldUntil(12*time.Second, dial, func(c *conn, stop chan struct{}) {
					_, _ = c.nc.Write([]byte("GET " + tg.path + " HTTP/1.1\r\n"))
					every(500*time.Millisecond, func() error { _, err := c.nc.Write([]byte("X-A: b\r\n")); return err })(c, stop)
				})(tg)
				mu.Lock()
				defer mu.Unlock()
				if !ok {
					held++
				}
				var d time.Duration
				if _, after, found := strings.Cut(what, " after "); found {
					d, _ = time.ParseDuration(after)
				}
				worst = max(worst, d)
			})
		}
		wg.Wait()
		if held > 0 {
			return false, fmt.Sprintf("%d/200 held past 12 s", held)
		}
		return true, fmt.Sprintf("all dropped by %v", worst)
	}},
	{"1 MiB header", refused([]byte("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("a", 1<<20) + "\r\n\r\n"))},
	{"upgrade with 1,000 headers", func(tg target) (bool, string) {
		return refused([]byte(request(tg, strings.Repeat("X: y\r\n", 1000))))(tg)
	}},
	{"frame length 1 TiB", closes(ws.StatusMessageTooBig, ws.AppendHeader(nil, ws.Header{Fin: true, Op: ws.OpBinary, Masked: true, Length: 1 << 40}))},
	{"2 M one-byte fragments", closes(ws.StatusMessageTooBig, func() []byte {
		b := mf(ws.OpBinary, false, "x")
		one := mf(ws.OpContinuation, false, "x")
		for range 2 << 20 {
			b = append(b, one...)
		}
		return b
	}())},
	{"ping flood, 256 MiB, no reading", func(tg target) (bool, string) {
		return flood(tg, bytes.Repeat(mf(ws.OpPing, true, strings.Repeat("p", 125)), 512), 256<<20)
	}},
	{"control frame of 126 bytes", closes(ws.StatusProtocolError, mf(ws.OpPing, true, strings.Repeat("p", 126)))},
	{"reserved opcode 0xB", closes(ws.StatusProtocolError, frame(0xB, true, 0, true, nil))},
	{"RSV1 not negotiated", closes(ws.StatusProtocolError, frame(ws.OpText, true, ws.Rsv1, true, []byte("x")))},
	{"unmasked client frame", closes(ws.StatusProtocolError, frame(ws.OpText, true, 0, false, []byte("x")))},
	{"deflate bomb 16 MiB", bomb(func() ws.Extension { return deflate.New(deflate.Options{}) })},
	{"bzip2 bomb 16 MiB", bomb(func() ws.Extension { return bzip2.New(bzip2.Options{}) })},
	{"snappy bomb 16 MiB", bomb(func() ws.Extension { return snappy.New(snappy.Options{}) })},
	{"invalid UTF-8", closes(ws.StatusInvalidFramePayloadData, mf(ws.OpText, true, "ok\xed\xa0\x80"))},
	{"close code 1005 on the wire", closes(ws.StatusProtocolError, mf(ws.OpClose, true, "\x03\xed"))},
	{"close reason not UTF-8", closes(ws.StatusInvalidFramePayloadData, mf(ws.OpClose, true, "\x03\xe8\xff"))},
	{"partial message + pongs (60 s timeout)", func(tg target) (bool, string) {
		return heldUntil(70*time.Second, upgrade, func(c *conn, stop chan struct{}) {
			_, _ = c.nc.Write(mf(ws.OpBinary, false, "x"))
			every(time.Second, func() error { _, err := c.nc.Write(mf(ws.OpPong, true, "")); return err })(c, stop)
		})(tg)
	}},
	{"send 256 MiB, read nothing", func(tg target) (bool, string) {
		return flood(tg, bytes.Repeat(mf(ws.OpBinary, true, strings.Repeat("x", 4096)), 64), 256<<20)
	}},
	{"churn: 10 s of connect/close", func(tg target) (bool, string) {
		n, t0 := 0, time.Now()
		for ; time.Since(t0) < 10*time.Second; n++ {
			c, err := upgrade(tg)
			if err != nil {
				return false, fmt.Sprintf("cycle %d: %v", n, err)
			}
			if n%2 == 1 {
				_, _ = c.nc.Write(mf(ws.OpClose, true, "\x03\xe8"))
				_, _ = c.end()
			}
			c.nc.Close()
		}
		ok, what := closes(ws.StatusNormalClosure, mf(ws.OpClose, true, "\x03\xe8"))(tg)
		return ok, fmt.Sprintf("%d cycles, then %s", n, what)
	}},
	{"silent peer, no pongs (2 s + 2 s)", heldUntil(10*time.Second, upgrade, nil)},
	{"TLS ClientHello on ws://", refused(clientHello())},
	{"HTTP/1.0 upgrade", func(tg target) (bool, string) {
		return refused([]byte(strings.Replace(request(tg, ""), "HTTP/1.1", "HTTP/1.0", 1)))(tg)
	}},
}
