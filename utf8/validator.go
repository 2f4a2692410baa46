package utf8

// Validator checks a message that arrives in pieces, such as the fragments
// of a WebSocket text message (RFC 6455 §5.6, §8.1). It fails as soon as the
// bytes written so far cannot be the start of valid UTF-8, also when a
// sequence is split across pieces.
//
// The zero value is ready to use. A Validator does not allocate and must not
// be used by several goroutines at once.
type Validator struct {
	lead   byte  // lead byte of the sequence left open by the last piece
	n      uint8 // bytes of that sequence seen, 0 when none is open
	size   uint8 // its full length
	failed bool
}

// Write validates the next piece of the message. It returns false once the
// bytes written so far can no longer be a prefix of valid UTF-8, and from then
// on until [Validator.Reset].
func (v *Validator) Write(p []byte) bool {
	if v.failed {
		return false
	}
	if v.n > 0 {
		// Finish the open sequence: its second byte has the range the lead
		// byte allows, the others are plain continuation bytes.
		k := min(int(v.size-v.n), len(p))
		for j, b := range p[:k] {
			if int(v.n)+j == 1 {
				r := seqInfo[v.lead] >> 4
				if b < secondLo[r&7] || b > secondHi[r&7] {
					v.failed = true
					return false
				}
			} else if b&0xC0 != 0x80 {
				v.failed = true
				return false
			}
		}
		v.n += uint8(k)
		if v.n < v.size {
			return true
		}
		v.n = 0
		p = p[k:]
	}
	r := validate(p)
	if r.Kind != Invalid {
		return true
	}
	if r.Offset < len(p) {
		v.failed = true
		return false
	}
	// p ends inside a sequence, whose lead byte is among its last three.
	s := len(p) - 1
	for p[s] < 0xC0 {
		s--
	}
	v.lead = p[s]
	v.n = uint8(len(p) - s)
	v.size = seqInfo[p[s]] & 7
	return true
}

// Done reports whether everything written since the last [Validator.Reset]
// (or since the zero value) is valid UTF-8, with no sequence left unfinished.
// It does not reset v.
func (v *Validator) Done() bool { return !v.failed && v.n == 0 }

// Reset makes v ready for a new message.
func (v *Validator) Reset() { *v = Validator{} }
