package loadgen

import (
	"context"
	"crypto/tls"
	"io"
	"net"

	"github.com/autobahn-go/autobahn/internal/tlsrec"
)

// wss:// on the uring engine without a tls.Conn after the handshake: when
// the run's TLS configuration keeps no sessions (ClientSessionCache nil,
// as by default), the handshake is crypto/tls's, read through a record
// reader so that nothing past the server's Finished stays inside it, and
// then internal/tlsrec takes the connection over (the server's session
// tickets are skipped). The upgrade runs through a recStream over the
// blocking socket; afterwards every completed recv is opened in place in
// the connection's receive buffer (a record cut by its end waits in part)
// and every frame is sealed straight into the send queue.

// recordConn is the socket for a handshake crypto/tls must not read
// ahead on.
type recordConn struct {
	net.Conn
	r io.Reader
}

func (c recordConn) Read(b []byte) (int, error) { return c.r.Read(b) }

// recordTLS runs cfg's client handshake on nc and returns its record
// layer, or, when the handshake cannot be taken over (TLS 1.2, or sessions
// kept), nil and the tls.Conn to go on with, as clientTLS.
func recordTLS(ctx context.Context, nc net.Conn, cfg *tls.Config) (*tlsrec.Conn, *tls.Conn, *utlsConn, error) {
	if cfg.ClientSessionCache != nil {
		tc, tr, err := clientTLS(ctx, nc, cfg)
		return nil, tc, tr, err
	}
	capt := tlsrec.NewClientCapture(cfg.KeyLogWriter)
	cfg = cfg.Clone()
	cfg.KeyLogWriter = capt.KeyLogWriter()
	tc, tr, err := clientTLS(ctx, recordConn{nc, tlsrec.RecordReader(nc)}, cfg)
	if err != nil {
		return nil, nil, nil, err
	}
	rec, err := capt.Conn(tc.ConnectionState())
	if err != nil {
		return nil, tc, tr, nil // TLS 1.2: crypto/tls goes on
	}
	return rec, nil, nil, nil
}

// recStream is the upgrade's stream over the record layer on the blocking
// socket: Write seals, Read opens. in keeps a record not complete yet,
// plain the plaintext not read yet; both go to the engine afterwards.
type recStream struct {
	nc    net.Conn
	rec   *tlsrec.Conn
	in    []byte
	plain []byte
	buf   [4096]byte
}

func (s *recStream) Write(p []byte) (int, error) {
	out, err := s.rec.Seal(nil, p)
	if err != nil {
		return 0, err
	}
	if _, err := s.nc.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}

func (s *recStream) Read(p []byte) (int, error) {
	for len(s.plain) == 0 {
		k, err := s.nc.Read(s.buf[:])
		s.in = append(s.in, s.buf[:k]...)
		plain, used, oerr := s.rec.Open(s.in)
		s.plain = append(s.plain, plain...)
		s.in = append(s.in[:0], s.in[used:]...)
		if oerr != nil {
			return 0, oerr
		}
		if err != nil && len(s.plain) == 0 {
			return 0, err
		}
	}
	n := copy(p, s.plain)
	s.plain = s.plain[n:]
	return n, nil
}

// recInput opens the records of a completed recv (data, which it may
// change) and parses their plaintext; a record cut by the end of data
// waits in c.part for the next.
func (e *uengine) recInput(c *uconn, data []byte) {
	fromPart := len(c.part) > 0
	if fromPart {
		c.part = append(c.part, data...)
		data = c.part
	}
	plain, used, err := c.rec.Open(data)
	if len(plain) > 0 {
		e.parse(c, plain)
	}
	if err != nil {
		// An alert, a broken record or the server's close_notify.
		e.fail(c)
		return
	}
	rest := data[used:]
	if fromPart {
		c.part = c.part[:copy(c.part, rest)]
	} else if len(rest) > 0 {
		c.part = append(c.part[:0], rest...)
	}
	if c.rec.Pending() { // the KeyUpdate the server asked for
		c.next = c.rec.AppendPending(c.next)
		e.flush(c)
	}
}

// recFrame seals a frame into c's send queue and starts its send unless
// one is in flight.
func (e *uengine) recFrame(c *uconn, frame []byte) {
	var err error
	if c.next, err = c.rec.Seal(c.next, frame); err != nil {
		e.fail(c)
		return
	}
	e.flush(c)
}
