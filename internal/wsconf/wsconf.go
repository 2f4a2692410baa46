// Package wsconf is the WebSocket conformance suite shared by the tests of
// every driver (ws on goroutines, ws/wsloop on the event loop): framing,
// pings, reserved bits, opcodes, fragmentation, UTF-8 (fail-fast), limits
// and close handling, each case run against a server and against a client;
// and the DoS checklist of issue 15 (DoSCases, run by DoS against a server).
package wsconf

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/ws"
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
	code   ws.StatusCode
}

type confFrame struct {
	op      ws.Opcode
	fin     bool
	rsv     byte
	payload string
	raw     []byte // sent as is instead (header fields ignored)
}

func f(op ws.Opcode, fin bool, payload string) confFrame {
	return confFrame{op: op, fin: fin, payload: payload}
}

var confCases = []confCase{
	// Framing (Autobahn testsuite 1.x)
	{"text 0/125/126/65536", []confFrame{f(ws.OpText, true, ""), f(ws.OpText, true, strings.Repeat("a", 125)), f(ws.OpText, true, strings.Repeat("b", 126)), f(ws.OpText, true, strings.Repeat("c", 65536))},
		[]string{"t:", "t:" + strings.Repeat("a", 125), "t:" + strings.Repeat("b", 126), "t:" + strings.Repeat("c", 65536)}, 0},
	{"binary", []confFrame{f(ws.OpBinary, true, "\x00\xff")}, []string{"b:\x00\xff"}, 0},
	// Pings (2.x)
	{"ping gets pong with payload", []confFrame{f(ws.OpPing, true, "hello")}, []string{"pong:hello"}, 0},
	{"ping 125 bytes", []confFrame{f(ws.OpPing, true, strings.Repeat("p", 125))}, []string{"pong:" + strings.Repeat("p", 125)}, 0},
	{"ping 126 bytes", []confFrame{f(ws.OpPing, true, strings.Repeat("p", 126))}, nil, ws.StatusProtocolError},
	{"unsolicited pong ignored", []confFrame{f(ws.OpPong, true, "x")}, nil, 0},
	{"fragmented ping", []confFrame{f(ws.OpPing, false, "a"), f(ws.OpContinuation, true, "b")}, nil, ws.StatusProtocolError},
	// Reserved bits (3.x)
	{"rsv1", []confFrame{{op: ws.OpText, fin: true, rsv: ws.Rsv1, payload: "x"}}, nil, ws.StatusProtocolError},
	{"rsv2 after a good message", []confFrame{f(ws.OpText, true, "ok"), {op: ws.OpText, fin: true, rsv: ws.Rsv2, payload: "x"}}, []string{"t:ok"}, ws.StatusProtocolError},
	{"rsv3 on ping", []confFrame{{op: ws.OpPing, fin: true, rsv: ws.Rsv3}}, nil, ws.StatusProtocolError},
	// Opcodes (4.x)
	{"opcode 3", []confFrame{{op: 3, fin: true}}, nil, ws.StatusProtocolError},
	{"opcode 7 after text", []confFrame{f(ws.OpText, true, "a"), {op: 7, fin: true}}, []string{"t:a"}, ws.StatusProtocolError},
	{"opcode 0xB", []confFrame{{op: 0xB, fin: true}}, nil, ws.StatusProtocolError},
	{"opcode 0xF", []confFrame{{op: 0xF, fin: true, payload: "x"}}, nil, ws.StatusProtocolError},
	// Fragmentation (5.x)
	{"fragments with pings", []confFrame{f(ws.OpText, false, "frag"), f(ws.OpPing, true, "1"), f(ws.OpContinuation, false, "men"), f(ws.OpPing, true, "2"), f(ws.OpContinuation, true, "ted")},
		[]string{"pong:1", "pong:2", "t:fragmented"}, 0},
	{"empty fragments", []confFrame{f(ws.OpBinary, false, ""), f(ws.OpContinuation, false, ""), f(ws.OpContinuation, true, "")}, []string{"b:"}, 0},
	{"continuation first", []confFrame{f(ws.OpContinuation, true, "x")}, nil, ws.StatusProtocolError},
	{"text inside fragments", []confFrame{f(ws.OpText, false, "a"), f(ws.OpText, true, "b")}, nil, ws.StatusProtocolError},
	// UTF-8 (6.x)
	{"valid utf8", []confFrame{f(ws.OpText, true, "κόσμε")}, []string{"t:κόσμε"}, 0},
	{"utf8 split across fragments", []confFrame{f(ws.OpText, false, "\xce"), f(ws.OpContinuation, false, "\xba\xe1"), f(ws.OpContinuation, true, "\xbd\xb9")}, []string{"t:\xce\xba\xe1\xbd\xb9"}, 0},
	{"invalid utf8", []confFrame{f(ws.OpText, true, "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80edited")}, nil, ws.StatusInvalidFramePayloadData},
	{"invalid utf8 in first fragment (fail fast)", []confFrame{f(ws.OpText, false, "ab\xc0\xaf"), f(ws.OpContinuation, true, "cd")}, nil, ws.StatusInvalidFramePayloadData},
	{"utf8 truncated at end", []confFrame{f(ws.OpText, false, "a"), f(ws.OpContinuation, true, "\xe2\x82")}, nil, ws.StatusInvalidFramePayloadData},
	// Limits (9.x, with the suite's limit of 64 KiB)
	{"frame over limit", []confFrame{f(ws.OpBinary, true, strings.Repeat("x", 65537))}, nil, ws.StatusMessageTooBig},
	{"message over limit", []confFrame{f(ws.OpBinary, false, strings.Repeat("x", 40000)), f(ws.OpContinuation, true, strings.Repeat("x", 40000))}, nil, ws.StatusMessageTooBig},
	{"64-bit length with top bit", []confFrame{{raw: []byte{0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0}}}, nil, ws.StatusProtocolError},
	// Close handling (7.x)
	{"close 1000 echoed", []confFrame{f(ws.OpClose, true, "\x03\xe8bye")}, nil, ws.StatusNormalClosure},
	{"close 3000 echoed", []confFrame{f(ws.OpClose, true, "\x0b\xb8")}, nil, 3000},
	{"close 4999 echoed", []confFrame{f(ws.OpClose, true, "\x13\x87")}, nil, 4999},
	{"empty close", []confFrame{f(ws.OpClose, true, "")}, nil, ws.StatusNoStatusReceived},
	{"close 1-byte payload", []confFrame{f(ws.OpClose, true, "\x03")}, nil, ws.StatusProtocolError},
	{"close code 1004", []confFrame{f(ws.OpClose, true, "\x03\xec")}, nil, ws.StatusProtocolError},
	{"close code 1006", []confFrame{f(ws.OpClose, true, "\x03\xee")}, nil, ws.StatusProtocolError},
	{"close code 1016", []confFrame{f(ws.OpClose, true, "\x03\xf8")}, nil, ws.StatusProtocolError},
	{"close code 5000", []confFrame{f(ws.OpClose, true, "\x13\x88")}, nil, ws.StatusProtocolError},
	{"close reason invalid utf8", []confFrame{f(ws.OpClose, true, "\x03\xe8\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80")}, nil, ws.StatusInvalidFramePayloadData},
	{"data after close ignored", []confFrame{f(ws.OpClose, true, "\x03\xe8"), f(ws.OpText, true, "late")}, nil, ws.StatusNormalClosure},
}

// Options are the limits the cases assume; serve and dial with them.
var Options = &ws.Options{MaxFramePayload: 65536, MaxMessagePayload: 65536, PingInterval: -1, CloseTimeout: 2 * time.Second}

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
func collect(t *testing.T, br *bufio.Reader, role ws.Role) (got []string, code ws.StatusCode) {
	t.Helper()
	p := ws.NewParser(ws.ParserConfig{Role: role})
	var msg []byte
	var op ws.Opcode
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
			case ws.EventData:
				if ev.First {
					op, msg = ev.Op, msg[:0]
				}
				msg = append(msg, ev.Payload...)
				if ev.Final {
					s := "t:" + string(msg)
					if op == ws.OpBinary {
						s = "b:" + string(msg)
					}
					if s == "t:end" {
						return got, 0
					}
					got = append(got, s)
				}
			case ws.EventPong:
				got = append(got, "pong:"+string(ev.Payload))
			case ws.EventClose:
				return got, ev.Code
			}
		}
	}
}

func checkConf(t *testing.T, cc confCase, got []string, code ws.StatusCode) {
	t.Helper()
	if code != cc.code || !slices.Equal(got, cc.want) {
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

// frame encodes one frame, masked with a fixed key when masked.
func frame(op ws.Opcode, fin bool, rsv byte, masked bool, payload []byte) []byte {
	key := [4]byte{0x37, 0xfa, 0x21, 0x3d}
	b := ws.AppendHeader(nil, ws.Header{Fin: fin, Rsv: rsv, Op: op, Masked: masked, Key: key, Length: int64(len(payload))})
	n := len(b)
	b = append(b, payload...)
	if masked {
		for i := range payload {
			b[n+i] ^= key[i%4]
		}
	}
	return b
}

// Server runs every case against the server at url (ws://host:port/path,
// serving an echo handler with Options) with a raw client.
func Server(t *testing.T, url string) {
	addr, path, _ := strings.Cut(strings.TrimPrefix(url, "ws://"), "/")
	for _, cc := range confCases {
		t.Run(cc.name, func(t *testing.T) {
			nc, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer nc.Close()
			_ = nc.SetDeadline(time.Now().Add(10 * time.Second))
			req := "GET /" + path + " HTTP/1.1\r\nHost: " + addr + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
			in := append([]byte(req), encodeFrames(cc.frames, true)...)
			if cc.code == 0 {
				in = append(in, frame(ws.OpText, true, 0, true, []byte("end"))...)
			}
			if _, err := nc.Write(in); err != nil {
				t.Fatal(err)
			}
			br := bufio.NewReader(nc)
			for {
				line, err := br.ReadString('\n')
				if err != nil {
					t.Fatalf("handshake: %v", err)
				}
				if line == "\r\n" {
					break
				}
			}
			got, code := collect(t, br, ws.RoleClient)
			checkConf(t, cc, got, code)
			if code != 0 {
				// The server closes TCP after the close frame.
				if _, err := io.Copy(io.Discard, br); err != nil {
					t.Fatalf("server did not close TCP: %v", err)
				}
			}
		})
	}
}

// Client runs every case against a client: run must dial url with Options,
// echo every message, and return once the connection has ended (closing it
// with 1000 if it ends the echo itself).
func Client(t *testing.T, run func(ctx context.Context, url string)) {
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
				run(ctx, "ws://"+ln.Addr().String()+"/")
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
			var req ws.Request
			if _, err := ws.ParseRequest(&req, head, ws.HandshakeLimits{}); err != nil {
				t.Fatal(err)
			}
			out := ws.AppendResponse(nil, &req, "", "", nil)
			out = append(out, encodeFrames(cc.frames, false)...)
			if cc.code == 0 {
				out = append(out, frame(ws.OpText, true, 0, false, []byte("end"))...)
			}
			if _, err := nc.Write(out); err != nil {
				t.Fatal(err)
			}
			got, code := collect(t, br, ws.RoleServer)
			// As a server does, close TCP after the close frames (or at
			// the end of an open case).
			_ = nc.Close()
			<-done
			checkConf(t, cc, got, code)
		})
	}
}
