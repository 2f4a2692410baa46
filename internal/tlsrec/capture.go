package tlsrec

import (
	"bytes"
	"crypto/tls"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io"
)

// A Capture follows one server handshake that crypto/tls runs, to take
// its record layer over afterwards (Conn). Give KeyLogWriter to the
// tls.Config of that connection alone, pass every byte crypto/tls writes
// to the wire through Wrote, and once Handshake returned call Conn.
//
// A Capture is used by the handshake's goroutine only (crypto/tls calls
// the KeyLogWriter on it); Conn may be called by another goroutine once
// that one is ordered after it.
type Capture struct {
	next   io.Writer // the application's own KeyLogWriter, if any
	client bool      // following a client's handshake (NewClientCapture)

	suite       uint16 // from the ServerHello crypto/tls wrote (0 until then)
	readSecret  []byte // CLIENT_TRAFFIC_SECRET_0 (a server's read secret, a client's write secret)
	writeSecret []byte // SERVER_TRAFFIC_SECRET_0

	// The records crypto/tls wrote, followed across Wrote calls.
	hdr  []byte // the current record (copied only while incomplete)
	conn *Conn  // made at the first protected record after the secrets
	// sealed counts the records crypto/tls protected with the
	// application key (they open with it at sequence 0, 1, ...).
	sealed uint64
	err    error // the stream was not what Capture understands
}

// NewCapture returns a Capture that also passes every key log line on to
// next (nil for none): the application's KeyLogWriter keeps working.
func NewCapture(next io.Writer) *Capture { return &Capture{next: next} }

// NewClientCapture is NewCapture for a client's handshake, which needs
// no Wrote (a client seals nothing with the application key during its
// handshake). Take a client over only when it keeps no sessions
// (tls.Config.ClientSessionCache nil): its Conn skips the server's
// NewSessionTicket messages, as crypto/tls does then.
func NewClientCapture(next io.Writer) *Capture { return &Capture{next: next, client: true} }

// keyLog is a Capture seen as the tls.Config's KeyLogWriter.
type keyLog Capture

// KeyLogWriter returns the writer to set as the connection's
// tls.Config.KeyLogWriter.
func (c *Capture) KeyLogWriter() io.Writer { return (*keyLog)(c) }

// Write takes one NSS key log line ("LABEL <client random> <secret>\n",
// one per call: crypto/tls writes each line whole).
func (k *keyLog) Write(line []byte) (int, error) {
	c := (*Capture)(k)
	if c.next != nil {
		if _, err := c.next.Write(line); err != nil {
			return 0, err
		}
	}
	f := bytes.Fields(line)
	if len(f) != 3 {
		return len(line), nil
	}
	var dst *[]byte
	switch string(f[0]) {
	case "CLIENT_TRAFFIC_SECRET_0":
		dst = &c.readSecret
	case "SERVER_TRAFFIC_SECRET_0":
		dst = &c.writeSecret
	default:
		return len(line), nil
	}
	s := make([]byte, hex.DecodedLen(len(f[2])))
	if _, err := hex.Decode(s, f[2]); err != nil {
		c.err = errors.New("tlsrec: key log line not understood")
		return len(line), nil
	}
	*dst = s
	return len(line), nil
}

// Wrote takes bytes crypto/tls wrote to the wire (a copy is made only of
// a record split across calls).
func (c *Capture) Wrote(b []byte) {
	if c.client {
		return
	}
	for len(b) > 0 && c.err == nil {
		if len(c.hdr) > 0 || RecordLen(b) == 0 || RecordLen(b) > len(b) {
			// A record in pieces: collect it.
			need := HeaderLen
			if len(c.hdr) >= HeaderLen {
				need = RecordLen(c.hdr)
			}
			k := min(need-len(c.hdr), len(b))
			c.hdr = append(c.hdr, b[:k]...)
			b = b[k:]
			if len(c.hdr) < HeaderLen || len(c.hdr) < RecordLen(c.hdr) {
				continue
			}
			rec := c.hdr
			c.hdr = nil
			c.record(rec)
			continue
		}
		n := RecordLen(b)
		c.record(b[:n])
		b = b[n:]
	}
}

// record looks at one whole record crypto/tls wrote.
func (c *Capture) record(rec []byte) {
	body := rec[HeaderLen:]
	switch rec[0] {
	case typeHandshake:
		// Plaintext handshake records: the ServerHello (or a
		// HelloRetryRequest, which names the same suite) gives the
		// cipher suite: type, length(3), version(2), random(32),
		// session id<0..32>, cipher_suite(2) (RFC 8446 4.1.3).
		if len(body) < 4+2+32+1 || body[0] != 2 {
			return
		}
		sid := int(body[4+2+32])
		if off := 4 + 2 + 32 + 1 + sid; len(body) >= off+2 {
			c.suite = binary.BigEndian.Uint16(body[off:])
		}
	case typeApplicationData:
		if c.conn == nil {
			if c.suite == 0 || c.readSecret == nil || c.writeSecret == nil {
				return // before the application keys
			}
			conn, err := New(c.suite, c.readSecret, c.writeSecret, 0, 0)
			if err != nil {
				c.err = err
				return
			}
			c.conn = conn
		}
		// A record opens under the application key at the next
		// sequence number, or it is one of the handshake key's, which
		// all come before the first that does.
		h := &c.conn.out
		nonce := h.nonce()
		if _, err := h.cipher(c.conn.suite).Open(nil, nonce, body, rec[:HeaderLen]); err != nil {
			if c.sealed > 0 {
				c.err = errors.New("tlsrec: crypto/tls wrote a record not under the application key after one that was")
			}
			return
		}
		h.seq++
		c.sealed++
	}
}

// Conn returns the record layer that goes on where crypto/tls stopped,
// given the state of its finished handshake: the next records either way
// are the first the peer protects with the application key, and ours
// after those crypto/tls protected. It fails for anything but TLS 1.3
// (the connection then stays with crypto/tls).
func (c *Capture) Conn(state tls.ConnectionState) (*Conn, error) {
	switch {
	case c.err != nil:
		return nil, c.err
	case state.Version != tls.VersionTLS13 || !state.HandshakeComplete:
		return nil, errors.New("tlsrec: not a complete TLS 1.3 handshake")
	case c.client:
		// The server's secret is the client's read secret.
		conn, err := New(state.CipherSuite, c.writeSecret, c.readSecret, 0, 0)
		if err != nil {
			return nil, err
		}
		conn.client = true
		c.readSecret, c.writeSecret = nil, nil
		return conn, nil
	case state.CipherSuite != c.suite:
		return nil, errors.New("tlsrec: cipher suite not seen in the ServerHello")
	case len(c.hdr) > 0:
		return nil, errors.New("tlsrec: crypto/tls's last record not complete")
	}
	if c.conn == nil {
		// No protected record written after the secrets: impossible
		// for a server (its Finished follows them), but then nothing
		// was sealed.
		conn, err := New(c.suite, c.readSecret, c.writeSecret, 0, 0)
		if err != nil {
			return nil, err
		}
		c.conn = conn
	}
	conn := c.conn
	c.conn, c.readSecret, c.writeSecret = nil, nil, nil
	return conn, nil
}
