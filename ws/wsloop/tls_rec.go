package wsloop

import (
	"crypto/tls"
	"errors"
	"sync"
	"sync/atomic"

	"github.com/autobahn-go/autobahn/internal/tlsrec"
)

// A server's TLS 1.3 connection leaves crypto/tls once its handshake is
// done: the loop takes its record layer over (internal/tlsrec), and the
// tls.Conn, with the buffers it keeps at the size of the largest
// handshake message, is dropped. The handshake still runs in crypto/tls,
// on its goroutine, with a tls.Config of the connection's own whose
// KeyLogWriter gives the traffic secrets to the memConn's Capture (they
// stay in the process); the Capture also follows what crypto/tls writes,
// to count the records it sealed with the application key (the session
// ticket). A Client's connection moves too when its configuration keeps
// no sessions (ClientSessionCache nil): the server's session tickets are
// then skipped, as crypto/tls skips them without a cache. TLS 1.2, and a
// client that keeps sessions, stay with crypto/tls.
//
// From then on every input is opened in place in the loop's buffer (the
// plaintext of all its whole records moved together and handed on at
// once), a record cut by the end of an input waits in part, and every
// output is sealed straight into the buffer the loop sends.

// withCapture is the server's tls.Config, made once at Listen: every
// handshake gets a copy of the configuration it would have used (cfg, or
// what cfg.GetConfigForClient returns, its ALPN without h2) whose
// KeyLogWriter is its memConn's Capture, passing lines on to the
// application's own.
func withCapture(cfg *tls.Config) *tls.Config {
	base := cfg
	user := cfg.GetConfigForClient
	srv := cfg.Clone()
	srv.GetConfigForClient = func(hi *tls.ClientHelloInfo) (*tls.Config, error) {
		use := base
		if user != nil {
			c, err := user(hi)
			if err != nil {
				return nil, err
			}
			if c != nil {
				// Its ALPN is filtered as the base configuration's
				// is (serverTLSConfig), in a copy.
				use = c.Clone()
				use.NextProtos = withoutH2(c.NextProtos)
			}
		}
		m, ok := hi.Conn.(*memConn)
		if !ok || m.capture == nil {
			return use, nil
		}
		if use.MaxVersion != 0 && use.MaxVersion < tls.VersionTLS13 {
			m.capture = nil // TLS 1.2 stays with crypto/tls
			return use, nil
		}
		own := use.Clone()
		m.capture = tlsrec.NewCapture(use.KeyLogWriter)
		own.KeyLogWriter = m.capture.KeyLogWriter()
		return own, nil
	}
	return srv
}

// takeOver moves t onto its own record layer once the handshake is done,
// if it safely can; otherwise t stays with crypto/tls. It can when the
// Capture understood the handshake (TLS 1.3, the suite, the records
// crypto/tls sealed) and crypto/tls holds no input: the memConn handed it
// whole records only and none is in progress, and a Read with no input
// returns nothing (should a crypto/tls ever decrypt a record after the
// client's Finished during the handshake, its plaintext comes back here,
// goes on in plain, and the connection stays with crypto/tls).
func (t *tlsLayer) takeOver() (plain []byte) {
	capt := t.mem.capture
	t.mem.capture = nil
	if capt == nil {
		return nil
	}
	if !t.mem.rb.AtStart() {
		return nil
	}
	in := t.mem.in
	t.mem.in = nil
	var probe [64]byte
	n, err := t.tc.Read(probe[:])
	t.mem.in = in
	if n > 0 || !errors.Is(err, errWouldBlock) {
		return append([]byte(nil), probe[:n]...)
	}
	st := t.tc.ConnectionState()
	rec, err := capt.Conn(st)
	if err != nil {
		return nil
	}
	t.state, t.rec, t.tc = &st, rec, nil
	return nil
}

// recData takes a TLS connection's input on the record layer: a record
// begun in an earlier input is completed first (in part), then the whole
// records of in are opened where they are.
func (d *driver) recData(c *conn, in []byte) {
	t := c.tls()
	if t.part != nil {
		p := *t.part
		for len(in) > 0 {
			need := tlsrec.HeaderLen
			if n := tlsrec.RecordLen(p); n <= tlsrec.MaxRecord {
				need = max(n, need)
			}
			if len(p) >= need {
				break // whole, or too long: Open refuses it at once
			}
			k := min(need-len(p), len(in))
			p = append(p, in[:k]...)
			in = in[k:]
		}
		*t.part = p
		if n := tlsrec.RecordLen(p); n == 0 || n > len(p) && n <= tlsrec.MaxRecord {
			return // all of in went into part
		}
		pp := t.part
		t.part = nil // the connection may end in recOpen (and tlsClosed look at part)
		_, ok := d.recOpen(c, p)
		putPart(pp)
		if !ok {
			return
		}
	}
	if len(in) == 0 {
		return
	}
	used, ok := d.recOpen(c, in)
	if ok && used < len(in) {
		t.part = partPool.Get().(*[]byte)
		*t.part = append((*t.part)[:0], in[used:]...)
	}
}

// recOpen opens the whole records at the start of b, hands their
// plaintext on, sends what the record layer must answer (a KeyUpdate, an
// alert), and ends the connection at the peer's close_notify or an
// error. It returns how much of b it used and whether the connection
// goes on.
func (d *driver) recOpen(c *conn, b []byte) (int, bool) {
	t := c.tls()
	plain, used, err := t.rec.Open(b)
	if len(plain) > 0 {
		d.plainIn(c, plain)
		if t.quiet.Load() {
			t.quiet.Store(false)
			t.rec.Compact()
			quietCompactions.Add(1)
		}
	}
	if err == nil && !t.rec.Pending() {
		return used, true
	}
	// What the record layer must send goes before anything else: the
	// KeyUpdate the peer asked for, or the alert that ends it all.
	out := outPool.Get().(*[]byte)
	var a tlsrec.Alert
	if errors.As(err, &a) {
		*out = t.rec.AppendAlert(*out, a)
	} else {
		*out = t.rec.AppendPending(*out)
	}
	serr := c.ec.Send(*out)
	putOut(out)
	if err == nil {
		if serr != nil {
			_ = c.ec.Close()
			return used, false
		}
		return used, true
	}
	d.tlsEnd(c, err)
	return used, false
}

// recSend seals b into a buffer of the pool and sends it.
func (t *tlsLayer) recSend(c *conn, b []byte) error {
	out := outPool.Get().(*[]byte)
	var err error
	*out, err = t.rec.Seal(*out, b)
	if err == nil {
		err = c.ec.Send(*out)
	}
	putOut(out)
	return err
}

// partPool holds the buffers of records cut by the end of an input, each
// room for the longest record; an idle connection holds none unless its
// peer stopped in the middle of a record.
var partPool = sync.Pool{New: func() any { b := make([]byte, 0, tlsrec.MaxRecord); return &b }}

func putPart(b *[]byte) {
	*b = (*b)[:0]
	partPool.Put(b)
}

// Quiet is ws's word that the connection went quiet: a pong answered its
// keepalive ping, which goes out only after Options.PingInterval without
// input (the ws.Conn's Feed calls it while the loop hands that input on).
// On the record layer the connection then lets its two AEADs go (about
// 1.75 KB with AES-GCM) until its next record either way, which makes
// them again; an idle connection so holds them only for a ping's round
// trip per interval. Quiet only marks the connection: the loop compacts
// it once that input was handed on, so a call from any goroutine is safe
// (c.tls() and t.rec are set before the ws.Conn exists).
func (c *conn) Quiet() {
	if t := c.tls(); t != nil && t.rec != nil {
		t.quiet.Store(true)
	}
}

// quietCompactions counts Quiet's compactions, for tests and benchmarks.
var quietCompactions atomic.Uint64
