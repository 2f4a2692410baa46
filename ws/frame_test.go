package ws

import (
	"bytes"
	"errors"
	"testing"
)

func TestParseHeader(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want Header
		n    int
	}{
		{"small unmasked text", []byte{0x81, 0x05}, Header{Fin: true, Op: OpText, Length: 5}, 2},
		{"masked ping", []byte{0x89, 0x80, 1, 2, 3, 4}, Header{Fin: true, Op: OpPing, Masked: true, Key: [4]byte{1, 2, 3, 4}}, 6},
		{"16-bit length", []byte{0x02, 126, 0x01, 0x00}, Header{Op: OpBinary, Length: 256}, 4},
		{"64-bit length", []byte{0x82, 127, 0, 0, 0, 1, 0, 0, 0, 0}, Header{Fin: true, Op: OpBinary, Length: 1 << 32}, 10},
		{"rsv bits", []byte{0xC1, 0x00}, Header{Fin: true, Rsv: Rsv1, Op: OpText}, 2},
	}
	for _, tt := range tests {
		h, n, err := ParseHeader(tt.in)
		if err != nil || n != tt.n || h != tt.want {
			t.Errorf("%s: got %+v %d %v, want %+v %d", tt.name, h, n, err, tt.want, tt.n)
		}
		// Every proper prefix needs more input.
		for i := 0; i < len(tt.in); i++ {
			if _, n, err := ParseHeader(tt.in[:i]); n != 0 || err != nil {
				t.Errorf("%s: prefix %d: n=%d err=%v, want need-more", tt.name, i, n, err)
			}
		}
		if got := AppendHeader(nil, tt.want); !bytes.Equal(got, tt.in) {
			t.Errorf("%s: AppendHeader = %x, want %x", tt.name, got, tt.in)
		}
		if HeaderSize(tt.want) != tt.n {
			t.Errorf("%s: HeaderSize = %d", tt.name, HeaderSize(tt.want))
		}
	}
}

func TestParseHeaderTopBit(t *testing.T) {
	_, _, err := ParseHeader([]byte{0x82, 127, 0x80, 0, 0, 0, 0, 0, 0, 0})
	var pe *ProtocolError
	if !errors.As(err, &pe) || pe.Code != StatusProtocolError || !errors.Is(err, ErrProtocol) {
		t.Fatalf("err = %v, want a 1002 ProtocolError", err)
	}
}

// TestParseHeaderMinimalLength: §5.2 requires the minimal number of bytes
// for the payload length.
func TestParseHeaderMinimalLength(t *testing.T) {
	for _, in := range [][]byte{
		{0x82, 126, 0, 125},
		{0x82, 126, 0, 0},
		{0x82, 127, 0, 0, 0, 0, 0, 0, 0xff, 0xff},
		{0x82, 127, 0, 0, 0, 0, 0, 0, 0, 5},
	} {
		if _, _, err := ParseHeader(in); !errors.Is(err, ErrProtocol) {
			t.Errorf("% x: %v", in, err)
		}
	}
	for _, in := range [][]byte{{0x82, 126, 0, 126}, {0x82, 127, 0, 0, 0, 0, 0, 1, 0, 0}} {
		if _, _, err := ParseHeader(in); err != nil {
			t.Errorf("% x: %v", in, err)
		}
	}
}

func TestParseHeaderAllocs(t *testing.T) {
	in := []byte{0x82, 127, 0, 0, 0, 1, 0, 0, 0, 0}
	if a := testing.AllocsPerRun(100, func() { _, _, _ = ParseHeader(in) }); a != 0 {
		t.Fatalf("ParseHeader allocates %v times", a)
	}
}

func FuzzParseHeader(f *testing.F) {
	f.Add([]byte{0x81, 0x05})
	f.Add([]byte{0x82, 126, 1, 0})
	f.Add([]byte{0x82, 0xFF, 0, 0, 0, 1, 0, 0, 0, 0, 1, 2, 3, 4})
	f.Fuzz(func(t *testing.T, b []byte) {
		h, n, err := ParseHeader(b)
		if err != nil || n == 0 {
			return
		}
		if n > len(b) || n > MaxHeaderSize || h.Length < 0 {
			t.Fatalf("bad parse %+v n=%d", h, n)
		}
		// Re-encoding gives the input back when the length was minimal.
		enc := AppendHeader(nil, h)
		h2, n2, err := ParseHeader(enc)
		if err != nil || n2 != len(enc) || h2 != h {
			t.Fatalf("round trip: %+v -> %x -> %+v %d %v", h, enc, h2, n2, err)
		}
	})
}
