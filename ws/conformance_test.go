package ws

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// A conformance case: frames one side sends (masked when a client sends
// them) and what must come back from the implementation under test: the
// echoed messages and pongs in order ("t:..", "b:..", "pong:.."), then
// either a close frame with code, or nothing more (code 0: the peer stays
// open and echoes a final "t:end" message).
type confCase struct {
	name   string
	frames []confFrame
	want   []string
	code   StatusCode
}

type confFrame struct {
	op      Opcode
	fin     bool
	rsv     byte
	payload string
	raw     []byte // sent as is instead (header fields ignored)
}

func f(op Opcode, fin bool, payload string) confFrame {
	return confFrame{op: op, fin: fin, payload: payload}
}

var confCases = []confCase{
	// Framing (Autobahn testsuite 1.x)
	{"text 0/125/126/65536", []confFrame{f(OpText, true, ""), f(OpText, true, strings.Repeat("a", 125)), f(OpText, true, strings.Repeat("b", 126)), f(OpText, true, strings.Repeat("c", 65536))},
		[]string{"t:", "t:" + strings.Repeat("a", 125), "t:" + strings.Repeat("b", 126), "t:" + strings.Repeat("c", 65536)}, 0},
	{"binary", []confFrame{f(OpBinary, true, "\x00\xff")}, []string{"b:\x00\xff"}, 0},
	// Pings (2.x)
	{"ping gets pong with payload", []confFrame{f(OpPing, true, "hello")}, []string{"pong:hello"}, 0},
	{"ping 125 bytes", []confFrame{f(OpPing, true, strings.Repeat("p", 125))}, []string{"pong:" + strings.Repeat("p", 125)}, 0},
	{"ping 126 bytes", []confFrame{f(OpPing, true, strings.Repeat("p", 126))}, nil, StatusProtocolError},
	{"unsolicited pong ignored", []confFrame{f(OpPong, true, "x")}, nil, 0},
	{"fragmented ping", []confFrame{f(OpPing, false, "a"), f(OpContinuation, true, "b")}, nil, StatusProtocolError},
	// Reserved bits (3.x)
	{"rsv1", []confFrame{{op: OpText, fin: true, rsv: Rsv1, payload: "x"}}, nil, StatusProtocolError},
	{"rsv2 after a good message", []confFrame{f(OpText, true, "ok"), {op: OpText, fin: true, rsv: Rsv2, payload: "x"}}, []string{"t:ok"}, StatusProtocolError},
	{"rsv3 on ping", []confFrame{{op: OpPing, fin: true, rsv: Rsv3}}, nil, StatusProtocolError},
	// Opcodes (4.x)
	{"opcode 3", []confFrame{{op: 3, fin: true}}, nil, StatusProtocolError},
	{"opcode 7 after text", []confFrame{f(OpText, true, "a"), {op: 7, fin: true}}, []string{"t:a"}, StatusProtocolError},
	{"opcode 0xB", []confFrame{{op: 0xB, fin: true}}, nil, StatusProtocolError},
	{"opcode 0xF", []confFrame{{op: 0xF, fin: true, payload: "x"}}, nil, StatusProtocolError},
	// Fragmentation (5.x)
	{"fragments with pings", []confFrame{f(OpText, false, "frag"), f(OpPing, true, "1"), f(OpContinuation, false, "men"), f(OpPing, true, "2"), f(OpContinuation, true, "ted")},
		[]string{"pong:1", "pong:2", "t:fragmented"}, 0},
	{"empty fragments", []confFrame{f(OpBinary, false, ""), f(OpContinuation, false, ""), f(OpContinuation, true, "")}, []string{"b:"}, 0},
	{"continuation first", []confFrame{f(OpContinuation, true, "x")}, nil, StatusProtocolError},
	{"text inside fragments", []confFrame{f(OpText, false, "a"), f(OpText, true, "b")}, nil, StatusProtocolError},
	// UTF-8 (6.x)
	{"valid utf8", []confFrame{f(OpText, true, "κόσμε")}, []string{"t:κόσμε"}, 0},
	{"utf8 split across fragments", []confFrame{f(OpText, false, "\xce"), f(OpContinuation, false, "\xba\xe1"), f(OpContinuation, true, "\xbd\xb9")}, []string{"t:\xce\xba\xe1\xbd\xb9"}, 0},
	{"invalid utf8", []confFrame{f(OpText, true, "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80edited")}, nil, StatusInvalidFramePayloadData},
	{"invalid utf8 in first fragment (fail fast)", []confFrame{f(OpText, false, "ab\xc0\xaf"), f(OpContinuation, true, "cd")}, nil, StatusInvalidFramePayloadData},
	{"utf8 truncated at end", []confFrame{f(OpText, false, "a"), f(OpContinuation, true, "\xe2\x82")}, nil, StatusInvalidFramePayloadData},
	// Limits (9.x, with the suite's limit of 64 KiB)
	{"frame over limit", []confFrame{f(OpBinary, true, strings.Repeat("x", 65537))}, nil, StatusMessageTooBig},
	{"message over limit", []confFrame{f(OpBinary, false, strings.Repeat("x", 40000)), f(OpContinuation, true, strings.Repeat("x", 40000))}, nil, StatusMessageTooBig},
	{"64-bit length with top bit", []confFrame{{raw: []byte{0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0}}}, nil, StatusProtocolError},
	// Close handling (7.x)
	{"close 1000 echoed", []confFrame{f(OpClose, true, "\x03\xe8bye")}, nil, StatusNormalClosure},
	{"close 3000 echoed", []confFrame{f(OpClose, true, "\x0b\xb8")}, nil, 3000},
	{"close 4999 echoed", []confFrame{f(OpClose, true, "\x13\x87")}, nil, 4999},
	{"empty close", []confFrame{f(OpClose, true, "")}, nil, StatusNoStatusReceived},
	{"close 1-byte payload", []confFrame{f(OpClose, true, "\x03")}, nil, StatusProtocolError},
	{"close code 1004", []confFrame{f(OpClose, true, "\x03\xec")}, nil, StatusProtocolError},
	{"close code 1006", []confFrame{f(OpClose, true, "\x03\xee")}, nil, StatusProtocolError},
	{"close code 1016", []confFrame{f(OpClose, true, "\x03\xf8")}, nil, StatusProtocolError},
	{"close code 5000", []confFrame{f(OpClose, true, "\x13\x88")}, nil, StatusProtocolError},
	{"close reason invalid utf8", []confFrame{f(OpClose, true, "\x03\xe8\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80")}, nil, StatusInvalidFramePayloadData},
	{"data after close ignored", []confFrame{f(OpClose, true, "\x03\xe8"), f(OpText, true, "late")}, nil, StatusNormalClosure},
}

var confOptions = &Options{MaxFramePayload: 65536, MaxMessagePayload: 65536, PingInterval: -1, CloseTimeout: 2 * time.Second}

func encodeFrames(fs []confFrame, masked bool) []byte {
	var b []byte
	for _, fr := range fs {
		if fr.raw != nil {
			b = append(b, fr.raw...)
			continue
		}
		b = append(b, frame(fr.op, fr.fin, fr.rsv, masked, []byte(fr.payload))...)
	}
	return b
}

// collect reads what the implementation under test sends back, up to and
// including a close frame, or until "t:end" when no close is expected.
func collect(t *testing.T, br *bufio.Reader, role Role) (got []string, code StatusCode) {
	t.Helper()
	p := NewParser(ParserConfig{Role: role})
	var msg []byte
	var op Opcode
	buf := make([]byte, 4096)
	for {
		n, err := br.Read(buf)
		if err != nil {
			t.Fatalf("read after %q: %v", got, err)
		}
		data := buf[:n]
		for len(data) > 0 {
			k, ev, err := p.Parse(data)
			data = data[k:]
			if err != nil {
				t.Fatalf("implementation sent bad frames: %v", err)
			}
			switch ev.Kind {
			case EventData:
				if ev.First {
					op, msg = ev.Op, msg[:0]
				}
				msg = append(msg, ev.Payload...)
				if ev.Final {
					s := "t:" + string(msg)
					if op == OpBinary {
						s = "b:" + string(msg)
					}
					if s == "t:end" {
						return got, 0
					}
					got = append(got, s)
				}
			case EventPong:
				got = append(got, "pong:"+string(ev.Payload))
			case EventClose:
				return got, ev.Code
			}
		}
	}
}

func checkConf(t *testing.T, cc confCase, got []string, code StatusCode) {
	t.Helper()
	if code != cc.code || !equal(got, cc.want) {
		short := func(ss []string) []string {
			out := make([]string, len(ss))
			for i, s := range ss {
				if len(s) > 40 {
					s = s[:40] + "…"
				}
				out[i] = s
			}
			return out
		}
		t.Fatalf("got %q close %v, want %q close %v", short(got), code, short(cc.want), cc.code)
	}
}

// TestConformanceServer runs every case against our server with a raw
// client.
func TestConformanceServer(t *testing.T) {
	u, _ := startServer(t, newEcho(), confOptions)
	for _, cc := range confCases {
		t.Run(cc.name, func(t *testing.T) {
			r := dialRaw(t, u)
			in := encodeFrames(cc.frames, true)
			if cc.code == 0 {
				in = append(in, frame(OpText, true, 0, true, []byte("end"))...)
			}
			if _, err := r.nc.Write(in); err != nil {
				t.Fatal(err)
			}
			got, code := collect(t, r.br, RoleClient)
			checkConf(t, cc, got, code)
			if code != 0 {
				// The server closes TCP after the close frame.
				if _, err := io.Copy(io.Discard, r.br); err != nil {
					t.Fatalf("server did not close TCP: %v", err)
				}
			}
		})
	}
}

// confClient is the application on our client during client conformance:
// it echoes like the server's echo handler.
func confClient(ctx context.Context, c *Conn) {
	for {
		op, p, err := c.ReadMessage(ctx)
		if err != nil {
			return
		}
		if err := c.WriteMessage(ctx, op, p); err != nil {
			return
		}
	}
}

// TestConformanceClient runs every case against our client with a raw
// server that sends unmasked frames.
func TestConformanceClient(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	for _, cc := range confCases {
		t.Run(cc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			done := make(chan struct{})
			go func() {
				defer close(done)
				c, err := Dial(ctx, "ws://"+ln.Addr().String()+"/", confOptions)
				if err != nil {
					t.Error(err)
					return
				}
				confClient(ctx, c)
				_ = c.Close(StatusNormalClosure, "")
			}()
			nc, err := ln.Accept()
			if err != nil {
				t.Fatal(err)
			}
			defer nc.Close()
			_ = nc.SetDeadline(time.Now().Add(10 * time.Second))
			br := bufio.NewReader(nc)
			var head []byte
			for !bytes.HasSuffix(head, []byte("\r\n\r\n")) {
				b, err := br.ReadByte()
				if err != nil {
					t.Fatal(err)
				}
				head = append(head, b)
			}
			var req Request
			if _, err := ParseRequest(&req, head, HandshakeLimits{}); err != nil {
				t.Fatal(err)
			}
			out := AppendResponse(nil, &req, "", "", nil)
			out = append(out, encodeFrames(cc.frames, false)...)
			if cc.code == 0 {
				out = append(out, frame(OpText, true, 0, false, []byte("end"))...)
			}
			if _, err := nc.Write(out); err != nil {
				t.Fatal(err)
			}
			got, code := collect(t, br, RoleServer)
			// As a server does, close TCP after the close frames (or at
			// the end of an open case).
			_ = nc.Close()
			<-done
			checkConf(t, cc, got, code)
		})
	}
}

// TestCloseTimeoutDrops: a peer that never answers our close frame is
// dropped after CloseTimeout.
func TestCloseTimeoutDrops(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		nc, err := ln.Accept()
		if err != nil {
			return
		}
		defer nc.Close()
		br := bufio.NewReader(nc)
		var head []byte
		for !bytes.HasSuffix(head, []byte("\r\n\r\n")) {
			b, err := br.ReadByte()
			if err != nil {
				return
			}
			head = append(head, b)
		}
		var req Request
		_, _ = ParseRequest(&req, head, HandshakeLimits{})
		_, _ = nc.Write(AppendResponse(nil, &req, "", "", nil))
		_, _ = io.Copy(io.Discard, br) // never answers
	}()
	silent, err := Dial(context.Background(), "ws://"+ln.Addr().String()+"/", &Options{CloseTimeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_ = silent.Close(StatusNormalClosure, "")
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("Close took %v", d)
	}
	if _, _, err := silent.ReadMessage(context.Background()); !errors.Is(err, ErrClosed) {
		t.Fatalf("read after close: %v", err)
	}
}

// TestFailByDrop: with Options.FailByDrop a protocol error drops the TCP
// connection without a close frame.
func TestFailByDrop(t *testing.T) {
	u, _ := startServer(t, newEcho(), &Options{FailByDrop: true})
	r := dialRaw(t, u)
	if _, err := r.nc.Write(frame(OpText, true, 0, false, []byte("unmasked"))); err != nil {
		t.Fatal(err)
	}
	rest, err := io.ReadAll(r.br)
	if len(rest) != 0 {
		t.Fatalf("server sent %x before dropping (err %v)", rest, err)
	}
}
