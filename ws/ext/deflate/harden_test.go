package deflate

import (
	"errors"
	"testing"
)

// TestBytesAfterFinalBlock: data after a final block (BFINAL) is refused
// (the connection fails with 1007), except the single 0x00 RFC 7692
// §7.2.3.4 appends; whole and in pieces alike.
func TestBytesAfterFinalBlock(t *testing.T) {
	final := []byte{0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00} // "Hello", BFINAL
	for _, c := range []struct {
		tail []byte
		ok   bool
	}{
		{nil, true},
		{[]byte{0x00}, true},
		{[]byte{0x00, 0x00}, false},
		{[]byte("garbage"), false},
		{final, false}, // a second stream
	} {
		for _, pieces := range []bool{false, true} {
			dec := newCodec(config{decBits: 15})
			msg := append(append([]byte(nil), final...), c.tail...)
			var out []byte
			var err error
			if pieces {
				out, err = dec.Decode(nil, msg[:3], false, -1)
				if err == nil {
					out, err = dec.Decode(out, msg[3:], true, -1)
				}
			} else {
				out, err = dec.Decode(nil, msg, true, -1)
			}
			if c.ok && (err != nil || string(out) != "Hello") {
				t.Errorf("tail % x: %q %v, want Hello", c.tail, out, err)
			}
			if !c.ok && !errors.Is(err, ErrCorrupt) {
				t.Errorf("tail % x (pieces %v): %q %v, want ErrCorrupt", c.tail, pieces, out, err)
			}
		}
	}
}
