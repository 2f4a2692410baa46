package ws

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"testing"
	stdutf8 "unicode/utf8"
)

// frame builds one wire frame; masked frames use a fixed key.
func frame(op Opcode, fin bool, rsv byte, masked bool, payload []byte) []byte {
	key := [4]byte{0x37, 0xfa, 0x21, 0x3d}
	b := AppendHeader(nil, Header{Fin: fin, Rsv: rsv, Op: op, Masked: masked, Key: key, Length: int64(len(payload))})
	n := len(b)
	b = append(b, payload...)
	if masked {
		for i := range payload {
			b[n+i] ^= key[i%4]
		}
	}
	return b
}

type result struct {
	msgs   []string // "t:..." or "b:..." for messages, "ping:..", "pong:..", "close:code:reason"
	err    error
	events int
}

// run feeds in to a server Parser in chunks given by cut and collects what
// comes out.
func run(cfg ParserConfig, in []byte, cut func(rest int) int) result {
	p := NewParser(cfg)
	var r result
	var msg []byte
	var op Opcode
	data := append([]byte(nil), in...)
	for len(data) > 0 && r.err == nil {
		k := cut(len(data))
		chunk := data[:k]
		data = data[k:]
		for {
			n, ev, err := p.Parse(chunk)
			chunk = chunk[n:]
			if err != nil {
				r.err = err
				break
			}
			if ev.Kind == EventNone {
				break
			}
			r.events++
			switch ev.Kind {
			case EventData:
				if ev.First {
					op, msg = ev.Op, msg[:0]
				}
				msg = append(msg, ev.Payload...)
				if ev.Final {
					prefix := "t:"
					if op == OpBinary {
						prefix = "b:"
					}
					r.msgs = append(r.msgs, prefix+string(msg))
				}
			case EventPing:
				r.msgs = append(r.msgs, "ping:"+string(ev.Payload))
			case EventPong:
				r.msgs = append(r.msgs, "pong:"+string(ev.Payload))
			case EventClose:
				r.msgs = append(r.msgs, "close:"+ev.Code.String()+":"+string(ev.Reason))
			}
		}
	}
	return r
}

func whole(rest int) int { return rest }

func cat(frames ...[]byte) []byte { return bytes.Join(frames, nil) }

var serverCfg = ParserConfig{Role: RoleServer, MaxFramePayload: 1 << 20, MaxMessagePayload: 1 << 20}

func TestParserFaults(t *testing.T) {
	m := true
	tests := []struct {
		name string
		in   []byte
		code StatusCode
	}{
		{"unmasked client frame", frame(OpText, true, 0, false, []byte("hi")), StatusProtocolError},
		{"reserved opcode 3", frame(3, true, 0, m, nil), StatusProtocolError},
		{"reserved opcode 0xB", frame(0xB, true, 0, m, nil), StatusProtocolError},
		{"rsv1 without extension", frame(OpText, true, Rsv1, m, []byte("x")), StatusProtocolError},
		{"rsv3 on ping", frame(OpPing, true, Rsv3, m, nil), StatusProtocolError},
		{"fragmented ping", frame(OpPing, false, 0, m, nil), StatusProtocolError},
		{"ping over 125", frame(OpPing, true, 0, m, make([]byte, 126)), StatusProtocolError},
		{"lone continuation", frame(OpContinuation, true, 0, m, []byte("x")), StatusProtocolError},
		{"text inside fragmented", cat(frame(OpText, false, 0, m, []byte("a")), frame(OpText, true, 0, m, []byte("b"))), StatusProtocolError},
		{"close with 1 byte", frame(OpClose, true, 0, m, []byte{3}), StatusProtocolError},
		{"close code 1005", frame(OpClose, true, 0, m, []byte{0x03, 0xED}), StatusProtocolError},
		{"close code 999", frame(OpClose, true, 0, m, []byte{0x03, 0xE7}), StatusProtocolError},
		{"close code 2000", frame(OpClose, true, 0, m, []byte{0x07, 0xD0}), StatusProtocolError},
		{"close reason not utf8", frame(OpClose, true, 0, m, []byte{0x03, 0xE8, 0xff}), StatusInvalidFramePayloadData},
		{"invalid utf8 text", frame(OpText, true, 0, m, []byte{'a', 0xc0, 0xaf}), StatusInvalidFramePayloadData},
		{"truncated utf8 at end", frame(OpText, true, 0, m, []byte{'a', 0xe2, 0x82}), StatusInvalidFramePayloadData},
		{"utf8 fails in first fragment", cat(frame(OpText, false, 0, m, []byte{0xce, 0xba, 0xf4, 0x90})), StatusInvalidFramePayloadData},
		{"frame over limit", AppendHeader(nil, Header{Fin: true, Op: OpBinary, Masked: true, Length: 2 << 20}), StatusMessageTooBig},
		{"message over limit", cat(frame(OpBinary, false, 0, m, make([]byte, 1<<19)), frame(OpContinuation, false, 0, m, make([]byte, 1<<19)), AppendHeader(nil, Header{Op: OpContinuation, Masked: true, Length: 1})), StatusMessageTooBig},
	}
	for _, tt := range tests {
		for _, chunk := range []int{0, 1, 3} {
			cut := whole
			if chunk > 0 {
				cut = func(rest int) int { return min(rest, chunk) }
			}
			r := run(serverCfg, tt.in, cut)
			var pe *ProtocolError
			if !errors.As(r.err, &pe) || pe.Code != tt.code {
				t.Errorf("%s (chunk %d): err = %v, want code %d", tt.name, chunk, r.err, tt.code)
			}
		}
	}
}

func TestParserClientRejectsMasked(t *testing.T) {
	r := run(ParserConfig{Role: RoleClient}, frame(OpText, true, 0, true, []byte("x")), whole)
	if !errors.Is(r.err, ErrProtocol) {
		t.Fatalf("err = %v", r.err)
	}
	r = run(ParserConfig{Role: RoleClient}, frame(OpText, true, 0, false, []byte("x")), whole)
	if r.err != nil || len(r.msgs) != 1 {
		t.Fatalf("unmasked server frame: %+v", r)
	}
}

func TestParserAllowedRsv(t *testing.T) {
	cfg := serverCfg
	cfg.AllowedRsv = Rsv1
	r := run(cfg, frame(OpText, true, Rsv1, true, []byte{0xff}), whole)
	if r.err != nil || len(r.msgs) != 1 {
		t.Fatalf("negotiated RSV1: %+v", r)
	}
}

// The fail-fast check: the error comes with the first invalid byte, before
// the rest of the frame arrived.
func TestParserUTF8FailFast(t *testing.T) {
	in := frame(OpText, true, 0, true, append([]byte{'o', 'k', 0xf5}, make([]byte, 1000)...))
	p := NewParser(serverCfg)
	n, _, err := p.Parse(in[:8+3])
	if !errors.Is(err, ErrInvalidUTF8) {
		t.Fatalf("after %d bytes: err = %v, want ErrInvalidUTF8", n, err)
	}
}

func TestParserInterleavedControl(t *testing.T) {
	m := true
	in := cat(
		frame(OpText, false, 0, m, []byte("frag")),
		frame(OpPing, true, 0, m, []byte("p1")),
		frame(OpContinuation, false, 0, m, []byte("men")),
		frame(OpPong, true, 0, m, nil),
		frame(OpContinuation, true, 0, m, []byte("ted \xce\xba")),
		frame(OpBinary, true, 0, m, nil),
		frame(OpText, false, 0, m, nil),
		frame(OpContinuation, true, 0, m, nil),
		frame(OpClose, true, 0, m, []byte("\x03\xe8bye")),
	)
	want := []string{"ping:p1", "pong:", "t:fragmented \xce\xba", "b:", "t:", "close:NormalClosure(1000):bye"}
	for _, chunk := range []int{0, 1, 2, 5, 7} {
		cut := whole
		if chunk > 0 {
			cut = func(rest int) int { return min(rest, chunk) }
		}
		r := run(serverCfg, in, cut)
		if r.err != nil || !equal(r.msgs, want) {
			t.Errorf("chunk %d: %q %v, want %q", chunk, r.msgs, r.err, want)
		}
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestParserAllocs(t *testing.T) {
	in := cat(frame(OpText, false, 0, true, []byte("hello ")), frame(OpPing, true, 0, true, []byte("x")), frame(OpContinuation, true, 0, true, []byte("world")))
	buf := make([]byte, len(in))
	p := NewParser(serverCfg)
	a := testing.AllocsPerRun(100, func() {
		copy(buf, in)
		data := buf
		for len(data) > 0 {
			n, _, err := p.Parse(data)
			if err != nil {
				t.Fatal(err)
			}
			data = data[n:]
		}
	})
	if a != 0 {
		t.Fatalf("Parser allocates %v times per message", a)
	}
}

func FuzzParser(f *testing.F) {
	m := true
	f.Add(cat(frame(OpText, false, 0, m, []byte("ab")), frame(OpPing, true, 0, m, nil), frame(OpContinuation, true, 0, m, []byte("\xce\xba"))), uint64(1))
	f.Add(frame(OpClose, true, 0, m, []byte("\x03\xe8")), uint64(2))
	f.Add(frame(OpBinary, true, 0, m, make([]byte, 300)), uint64(3))
	f.Fuzz(func(t *testing.T, in []byte, seed uint64) {
		ref := run(serverCfg, in, whole)
		rng := rand.New(rand.NewPCG(seed, 7))
		got := run(serverCfg, in, func(rest int) int { return 1 + rng.IntN(rest) })
		if (ref.err == nil) != (got.err == nil) || !equal(ref.msgs, got.msgs) {
			t.Fatalf("chunking changed the result: %q %v vs %q %v", ref.msgs, ref.err, got.msgs, got.err)
		}
		for _, m := range got.msgs {
			if len(m) > 2 && m[:2] == "t:" && !stdutf8.ValidString(m[2:]) {
				t.Fatalf("invalid text passed: %q", m)
			}
		}
	})
}

// A peer declaring a huge length costs nothing until the bytes arrive: with
// no limits set, the Parser streams what it has and allocates nothing.
func TestParserHugeDeclaredLength(t *testing.T) {
	p := NewParser(ParserConfig{Role: RoleClient})
	hdr := AppendHeader(nil, Header{Fin: true, Op: OpBinary, Length: 1 << 62})
	in := append(hdr, make([]byte, 100)...)
	var got int
	data := append([]byte(nil), in...)
	allocs := testing.AllocsPerRun(1, func() {
		p.Reset(ParserConfig{Role: RoleClient})
		rest := data
		for len(rest) > 0 {
			n, ev, err := p.Parse(rest)
			if err != nil {
				t.Fatal(err)
			}
			rest = rest[n:]
			got += len(ev.Payload)
		}
	})
	if allocs != 0 || got == 0 {
		t.Fatalf("allocs %v, payload bytes %d", allocs, got)
	}
}

// A control frame that arrives whole comes back in place; one that
// arrives in pieces is collected in a pooled buffer that the Parser gives
// back on the next call, so that an idle Parser holds none.
func TestParserControlBuffer(t *testing.T) {
	in := frame(OpPing, true, 0, true, []byte("hello"))
	p := NewParser(serverCfg)
	data := append([]byte(nil), in...)
	n, ev, err := p.Parse(data)
	if err != nil || n != len(data) || ev.Kind != EventPing || string(ev.Payload) != "hello" {
		t.Fatalf("whole: %d %v %q %v", n, ev.Kind, ev.Payload, err)
	}
	if &ev.Payload[0] != &data[len(data)-5] || p.ctl != nil {
		t.Fatal("a whole control frame was copied")
	}
	data = append([]byte(nil), in...)
	if n, ev, err = p.Parse(data[:len(data)-2]); err != nil || ev.Kind != EventNone || n != len(data)-2 {
		t.Fatalf("first piece: %d %v %v", n, ev.Kind, err)
	}
	if n, ev, err = p.Parse(data[len(data)-2:]); err != nil || ev.Kind != EventPing || string(ev.Payload) != "hello" {
		t.Fatalf("second piece: %d %v %q %v", n, ev.Kind, ev.Payload, err)
	}
	if p.ctl == nil {
		t.Fatal("no buffer while the event is valid")
	}
	if _, _, err = p.Parse(nil); err != nil || p.ctl != nil {
		t.Fatalf("buffer still held after the next call (%v)", err)
	}
}
