package ws

import (
	"encoding/binary"

	"github.com/autobahn-go/autobahn/xor"
)

// MaxHeaderSize is the largest frame header: 2 bytes, an 8-byte extended
// length and a 4-byte masking key (RFC 6455 §5.2).
const MaxHeaderSize = 14

// RSV bits in Header.Rsv (§5.2); they may be set only by a negotiated
// extension.
const (
	Rsv1 byte = 0x4
	Rsv2 byte = 0x2
	Rsv3 byte = 0x1
)

// Header is a frame header (RFC 6455 §5.2).
type Header struct {
	Fin    bool
	Rsv    byte // Rsv1|Rsv2|Rsv3
	Op     Opcode
	Masked bool
	Key    [4]byte
	Length int64 // payload length
}

// ParseHeader parses the frame header at the start of b. It returns the
// header and its size in bytes; n == 0 with a nil error means b holds only
// part of a header and more input is needed. The errors, *ProtocolError
// values, are a 64-bit length with the most significant bit set and a
// length not in its minimal encoding (both §5.2).
// ParseHeader never allocates.
func ParseHeader(b []byte) (h Header, n int, err error) {
	if len(b) < 2 {
		return h, 0, nil
	}
	h.Fin = b[0]&0x80 != 0
	h.Rsv = (b[0] >> 4) & 0x7
	h.Op = Opcode(b[0] & 0xF)
	h.Masked = b[1]&0x80 != 0
	n = 2
	switch l := b[1] & 0x7F; l {
	case 126:
		if len(b) < 4 {
			return Header{}, 0, nil
		}
		h.Length = int64(binary.BigEndian.Uint16(b[2:]))
		if h.Length < 126 {
			return Header{}, 0, protoErr("payload length not in its minimal encoding")
		}
		n = 4
	case 127:
		if len(b) < 10 {
			return Header{}, 0, nil
		}
		v := binary.BigEndian.Uint64(b[2:])
		if v>>63 != 0 {
			return Header{}, 0, protoErr("64-bit payload length with the top bit set")
		}
		if v <= 0xFFFF {
			return Header{}, 0, protoErr("payload length not in its minimal encoding")
		}
		h.Length = int64(v)
		n = 10
	default:
		h.Length = int64(l)
	}
	if h.Masked {
		if len(b) < n+4 {
			return Header{}, 0, nil
		}
		copy(h.Key[:], b[n:n+4])
		n += 4
	}
	return h, n, nil
}

// HeaderSize returns the encoded size of h.
func HeaderSize(h Header) int {
	n := 2
	switch {
	case h.Length > 0xFFFF:
		n += 8
	case h.Length > 125:
		n += 2
	}
	if h.Masked {
		n += 4
	}
	return n
}

// AppendHeader appends the wire encoding of h to dst, using the shortest
// length encoding. h.Length must not be negative.
func AppendHeader(dst []byte, h Header) []byte {
	b0 := byte(h.Op&0xF) | (h.Rsv&0x7)<<4
	if h.Fin {
		b0 |= 0x80
	}
	var b1 byte
	if h.Masked {
		b1 = 0x80
	}
	switch {
	case h.Length > 0xFFFF:
		dst = append(dst, b0, b1|127)
		dst = binary.BigEndian.AppendUint64(dst, uint64(h.Length))
	case h.Length > 125:
		dst = append(dst, b0, b1|126)
		dst = binary.BigEndian.AppendUint16(dst, uint16(h.Length))
	default:
		dst = append(dst, b0, b1|byte(h.Length))
	}
	if h.Masked {
		dst = append(dst, h.Key[:]...)
	}
	return dst
}

// AppendFrame appends a whole frame: the header for op/fin and len(payload),
// then the payload, masked with key when mask is true (a client's frames).
func AppendFrame(dst []byte, op Opcode, fin bool, mask bool, key [4]byte, payload []byte) []byte {
	dst = AppendHeader(dst, Header{Fin: fin, Op: op, Masked: mask, Key: key, Length: int64(len(payload))})
	if !mask {
		return append(dst, payload...)
	}
	n := len(dst)
	dst = append(dst, payload...)
	xor.Mask(dst[n:], key, 0)
	return dst
}

// AppendClosePayload appends the payload of a close frame: the code in
// network order and the reason, cut to fit 125 bytes (§5.5.1).
// StatusNoStatusReceived gives an empty payload.
func AppendClosePayload(dst []byte, code StatusCode, reason string) []byte {
	if code == StatusNoStatusReceived || code == 0 {
		return dst
	}
	dst = binary.BigEndian.AppendUint16(dst, uint16(code))
	if len(reason) > 123 {
		reason = truncateUTF8(reason, 123)
	}
	return append(dst, reason...)
}

// truncateUTF8 cuts s to at most n bytes without splitting a rune.
func truncateUTF8(s string, n int) string {
	for n > 0 && n < len(s) && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}
