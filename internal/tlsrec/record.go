package tlsrec

import (
	"encoding/binary"
	"io"
	"slices"
)

// Record content types (RFC 8446 5.1).
const (
	typeChangeCipherSpec = 20
	typeAlert            = 21
	typeHandshake        = 22
	typeApplicationData  = 23
)

// Sizes of RFC 8446 5.1 and 5.2.
const (
	// HeaderLen is the size of a record header: type, version, length.
	HeaderLen = 5
	// MaxPlaintext is the most plaintext one record carries.
	MaxPlaintext = 1 << 14
	// maxCiphertext is the longest protected record body.
	maxCiphertext = MaxPlaintext + 256
	// MaxRecord is the longest record a peer may send, header included.
	MaxRecord = HeaderLen + maxCiphertext
)

// keyUpdateAfter is the number of records sealed under one key after
// which Seal updates it: 2^24, within the 2^24.5 full-size records RFC
// 8446 section 5.5 allows AES-GCM. A variable for tests.
var keyUpdateAfter uint64 = 1 << 24

// Post-handshake handshake message types (RFC 8446 4.6).
const (
	handshakeNewSessionTicket = 4
	handshakeKeyUpdate        = 24
)

// maxUseless bounds the records in a row that bring no application data
// (empty application data, user_canceled warnings) and the
// post-handshake messages among them: past it Open fails with
// unexpected_message, as crypto/tls does past the same number
// (maxUselessRecords), so that a peer cannot keep a connection busy, and
// seen alive, with records that never carry anything.
const maxUseless = 16

// maxTicketMsg bounds a NewSessionTicket a client skips: crypto/tls's
// limit on any handshake message.
const maxTicketMsg = 1 << 16

// A Conn is the record layer of one TLS 1.3 connection after its
// handshake. It is not safe for concurrent use: one owner calls Open and
// the Seal family, in any order.
type Conn struct {
	suite *suite
	in    half // the peer's records
	out   half // ours
	// hs holds a handshake message begun in one record and not ended
	// (a KeyUpdate, at most 5 bytes); skip counts the bytes of a
	// NewSessionTicket still to skip (client).
	hs   []byte
	skip int
	// client: the Conn is a client's (it may receive NewSessionTicket).
	client bool
	// useless counts the records in a row that carried no application
	// data (empty ones, user_canceled) and the handshake messages since
	// the last that did (maxUseless).
	useless uint8
	// pending holds a record to send before any later one: the
	// KeyUpdate answering the peer's update_requested.
	pending []byte
	// err is sticky: once Open failed, it fails again.
	err error
}

// New returns the record layer of a connection whose handshake
// negotiated cipher suite id, with the peer's and our application
// traffic secrets (generation 0, or any later one) and the sequence
// numbers of the next record each way. New keeps the secrets (a key
// update derives the next from them) and clears them when it replaces
// them.
func New(id uint16, readSecret, writeSecret []byte, readSeq, writeSeq uint64) (*Conn, error) {
	s := suiteByID(id)
	if s == nil {
		return nil, errSuite
	}
	if len(readSecret) != s.hashSz || len(writeSecret) != s.hashSz {
		return nil, errSecretLen
	}
	c := &Conn{suite: s}
	if err := c.in.setSecret(s, readSecret); err != nil {
		return nil, err
	}
	if err := c.out.setSecret(s, writeSecret); err != nil {
		return nil, err
	}
	c.in.seq, c.out.seq = readSeq, writeSeq
	return c, nil
}

// RecordLen reports the length of the record b begins with, its header
// included, or 0 if b is shorter than a header. It does not check the
// length; Open does.
func RecordLen(b []byte) int {
	if len(b) < HeaderLen {
		return 0
	}
	return HeaderLen + int(binary.BigEndian.Uint16(b[3:]))
}

// Open decrypts, in place, the whole records at the start of b and
// returns the application data they carry gathered in b (plain aliases
// b: the first record's stays where it was opened, later ones are moved
// up behind it), and how many bytes of b it used: b[used:] is a record not
// complete yet (less than MaxRecord bytes), which the caller keeps and
// passes again, followed by more input.
//
// err is io.EOF after the peer's close_notify, a *RemoteAlert if the
// peer sent another alert, and an Alert (the one to send with
// AppendAlert before closing) if the peer broke the protocol; plain is
// still the application data that came before. After an error Open
// returns it again. A KeyUpdate with update_requested leaves a record for
// AppendPending.
func (c *Conn) Open(b []byte) (plain []byte, used int, err error) {
	if c.err != nil {
		return nil, 0, c.err
	}
	r, w := 0, 0 // the plaintext gathered so far is b[r:w]
	for {
		rest := b[used:]
		if len(rest) < HeaderLen {
			return b[r:w], used, nil
		}
		n := int(binary.BigEndian.Uint16(rest[3:]))
		if n > maxCiphertext {
			return b[r:w], used, c.fail(AlertRecordOverflow)
		}
		if len(rest) < HeaderLen+n {
			return b[r:w], used, nil
		}
		rec := rest[:HeaderLen+n]
		used += len(rec)
		if rec[0] != typeApplicationData {
			// After the handshake every record is protected; a
			// change_cipher_spec may come only before the peer's
			// Finished (RFC 8446 5).
			return b[r:w], used, c.fail(AlertUnexpectedMessage)
		}
		if n < tagLen {
			return b[r:w], used, c.fail(AlertBadRecordMAC) // it cannot be opened (RFC 8446 5.2)
		}
		if c.in.spent {
			// The peer would need a sequence number past 2^64-1
			// instead of updating its key (RFC 8446 5.3).
			return b[r:w], used, c.fail(AlertUnexpectedMessage)
		}
		nonce := c.in.nonce()
		pt, oerr := c.in.cipher(c.suite).Open(rec[HeaderLen:HeaderLen], nonce, rec[HeaderLen:], rec[:HeaderLen])
		if oerr != nil {
			return b[r:w], used, c.fail(AlertBadRecordMAC)
		}
		c.in.next()
		if len(pt) > MaxPlaintext+1 {
			// Padding included, TLSInnerPlaintext is at most 2^14+1
			// bytes (RFC 8446 5.4).
			return b[r:w], used, c.fail(AlertRecordOverflow)
		}
		// The inner content type is the last byte not zero (RFC 8446
		// 5.4).
		i := len(pt) - 1
		for i >= 0 && pt[i] == 0 {
			i--
		}
		if i < 0 {
			return b[r:w], used, c.fail(AlertUnexpectedMessage)
		}
		typ := pt[i]
		pt = pt[:i]
		if len(pt) > MaxPlaintext {
			return b[r:w], used, c.fail(AlertRecordOverflow)
		}
		if (len(c.hs) > 0 || c.skip > 0) && typ != typeHandshake {
			// A handshake message may not be interleaved with other
			// records (RFC 8446 5.1).
			return b[r:w], used, c.fail(AlertUnexpectedMessage)
		}
		switch typ {
		case typeApplicationData:
			if len(pt) == 0 {
				if err := c.uselessRecord(); err != nil {
					return b[r:w], used, err
				}
				continue
			}
			c.useless = 0
			if w == r {
				// The first plaintext stays where it was opened;
				// later ones are moved up behind it.
				r = used - len(rec) + HeaderLen
				w = r + len(pt)
			} else {
				w += copy(b[w:], pt)
			}
		case typeAlert:
			if len(pt) == 0 {
				// RFC 8446 5.1: no zero-length alert records.
				return b[r:w], used, c.fail(AlertUnexpectedMessage)
			}
			if len(pt) != 2 {
				return b[r:w], used, c.fail(AlertDecodeError)
			}
			switch Alert(pt[1]) {
			case alertCloseNotify:
				c.err = io.EOF
				return b[r:w], used, io.EOF
			case alertUserCanceled:
				// A warning, a close_notify follows (RFC 8446 6.1).
				if err := c.uselessRecord(); err != nil {
					return b[r:w], used, err
				}
				continue
			}
			c.err = &RemoteAlert{Alert(pt[1])}
			return b[r:w], used, c.err
		case typeHandshake:
			if err := c.handshake(pt); err != nil {
				return b[r:w], used, err
			}
		default:
			return b[r:w], used, c.fail(AlertUnexpectedMessage)
		}
	}
}

// handshake takes a post-handshake handshake record's plaintext. A server
// may receive only KeyUpdate (RFC 8446 4.6), a client also
// NewSessionTicket, which it skips unread (a client is taken over only
// when it keeps no sessions). A KeyUpdate must end its record (5.1: it
// precedes a key change); messages may span records.
func (c *Conn) handshake(p []byte) error {
	if len(p) == 0 {
		return c.fail(AlertUnexpectedMessage) // RFC 8446 5.1: no empty handshake records
	}
	for len(p) > 0 {
		if c.skip > 0 {
			k := min(c.skip, len(p))
			c.skip -= k
			p = p[k:]
			continue
		}
		if len(c.hs) == 0 && p[0] != handshakeKeyUpdate && (p[0] != handshakeNewSessionTicket || !c.client) {
			return c.fail(AlertUnexpectedMessage)
		}
		if len(c.hs) < 4 {
			k := min(len(p), 4-len(c.hs))
			c.hs = append(c.hs, p[:k]...)
			p = p[k:]
			if len(c.hs) < 4 {
				continue // the header goes on in the next record
			}
			n := int(binary.BigEndian.Uint32(c.hs) & 0xffffff)
			if c.hs[0] == handshakeNewSessionTicket {
				if n == 0 || n > maxTicketMsg {
					return c.fail(AlertDecodeError)
				}
				c.hs, c.skip = nil, n
				if err := c.uselessRecord(); err != nil {
					return err
				}
				continue
			}
			if n != 1 {
				return c.fail(AlertDecodeError)
			}
			continue
		}
		req := p[0]
		p = p[1:]
		c.hs = nil
		if err := c.uselessRecord(); err != nil {
			return err
		}
		if len(p) > 0 {
			return c.fail(AlertUnexpectedMessage)
		}
		if req > 1 {
			return c.fail(AlertIllegalParameter)
		}
		if err := c.in.update(c.suite); err != nil {
			return c.fail(AlertInternalError)
		}
		if req == 1 && len(c.pending) == 0 {
			// Our answer is sealed now, under the key we leave; later
			// records use the next one, and AppendPending/Seal send it
			// first. Updates requested again while it waits share it.
			rec, err := c.keyUpdate(nil)
			if err != nil {
				return c.fail(AlertInternalError)
			}
			c.pending = rec
		}
	}
	return nil
}

// keyUpdate appends our KeyUpdate (update_not_requested) to dst and moves
// to our next key.
func (c *Conn) keyUpdate(dst []byte) ([]byte, error) {
	dst = c.seal(dst, typeHandshake, []byte{handshakeKeyUpdate, 0, 0, 1, 0})
	return dst, c.out.update(c.suite)
}

// uselessRecord counts a record, or a post-handshake message, that
// brought no application data: past maxUseless in a row it fails Open.
func (c *Conn) uselessRecord() error {
	if c.useless++; c.useless > maxUseless {
		return c.fail(AlertUnexpectedMessage)
	}
	return nil
}

func (c *Conn) fail(a Alert) error {
	c.err = a
	return a
}

// Compact lets the two AEADs go (their key schedules and tables, about
// 1.75 KB with AES-GCM), keeping the keys: the next record each way makes
// its AEAD again (a few hundred nanoseconds). For a connection that has
// gone quiet.
func (c *Conn) Compact() {
	c.in.aead, c.out.aead = nil, nil
}

// Pending reports whether a record waits to be sent (AppendPending).
func (c *Conn) Pending() bool { return len(c.pending) > 0 }

// AppendPending appends the records waiting to be sent to dst.
func (c *Conn) AppendPending(dst []byte) []byte {
	dst = append(dst, c.pending...)
	c.pending = nil
	return dst
}

// Seal appends to dst the records carrying p as application data (one per
// MaxPlaintext bytes), after any record pending. Our keys are updated
// before the sequence number could wrap (RFC 8446 5.3); Seal fails only
// after an alert sealed with the last one, 2^64-1.
func (c *Conn) Seal(dst, p []byte) ([]byte, error) {
	dst = slices.Grow(dst, len(c.pending)+len(p)+(len(p)/MaxPlaintext+1)*(HeaderLen+1+tagLen))
	dst = c.AppendPending(dst)
	if c.out.spent {
		return dst, errSeqSpent // only after an alert sealed at 2^64-1
	}
	for len(p) > 0 {
		if c.out.seq >= keyUpdateAfter {
			// New's sequence number was past the limit: update
			// before the sequence can wrap (RFC 8446 5.3).
			var err error
			if dst, err = c.keyUpdate(dst); err != nil {
				return dst, err
			}
		}
		n := min(len(p), MaxPlaintext)
		dst = c.seal(dst, typeApplicationData, p[:n])
		p = p[n:]
		if c.out.seq >= keyUpdateAfter {
			var err error
			if dst, err = c.keyUpdate(dst); err != nil {
				return dst, err
			}
		}
	}
	return dst, nil
}

// AppendCloseNotify appends the close_notify alert to dst (after any
// record pending).
func (c *Conn) AppendCloseNotify(dst []byte) []byte {
	return c.AppendAlert(dst, alertCloseNotify)
}

// AppendAlert appends alert a to dst (after any record pending): the
// error Open returned, before the connection closes.
func (c *Conn) AppendAlert(dst []byte, a Alert) []byte {
	dst = c.AppendPending(dst)
	level := byte(2) // fatal (RFC 8446 6: every alert but these two)
	if a == alertCloseNotify || a == alertUserCanceled {
		level = 1
	}
	return c.seal(dst, typeAlert, []byte{level, byte(a)})
}

// seal appends one record with plaintext p of inner type typ.
func (c *Conn) seal(dst []byte, typ byte, p []byte) []byte {
	h := &c.out
	n := len(p) + 1 + tagLen
	dst = slices.Grow(dst, HeaderLen+n)
	off := len(dst)
	dst = append(dst, typeApplicationData, 3, 3, byte(n>>8), byte(n))
	dst = append(dst, p...)
	dst = append(dst, typ)
	nonce := h.nonce()
	dst = h.cipher(c.suite).Seal(dst[:off+HeaderLen], nonce, dst[off+HeaderLen:], dst[off:off+HeaderLen])
	h.next()
	return dst
}
