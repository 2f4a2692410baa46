package wsloop

import (
	"crypto/tls"
	"errors"
	"fmt"
	"testing"
)

// BenchmarkTLSLayer is the server side of a wss:// echo in the loop's
// TLS layer, without sockets or the WebSocket: a record from the client
// is fed (setInput), decrypted (tls.Conn.Read, as tlsRead does it), and
// the answer encrypted into the memConn (tls.Conn.Write) and taken for
// sending. The conns connections take turns, so that, as on a busy
// server, their state is seldom in the cache. The client's records are
// sealed ahead, outside the timer.
func BenchmarkTLSLayer(b *testing.B) {
	for _, conns := range []int{1, 1000} {
		for _, size := range []int{32, 4096} {
			b.Run(fmt.Sprintf("conns=%d/%dB", conns, size), func(b *testing.B) {
				benchTLSLayer(b, conns, size)
			})
		}
	}
}

func benchTLSLayer(b *testing.B, conns, size int) {
	type pair struct {
		cli, srv *tls.Conn
		mc, ms   *memConn
		recs     [][]byte // sealed, not yet fed
	}
	ps := make([]*pair, conns)
	for i := range ps {
		cli, srv, mc, ms := memPair(b, tls.VersionTLS13)
		errs := make(chan error, 2)
		go func() { errs <- cli.Handshake() }()
		go func() { errs <- srv.Handshake() }()
		for range 2 {
			if err := <-errs; err != nil {
				b.Fatal(err)
			}
		}
		mc.toLoop()
		ms.toLoop()
		drain(b, srv) // a TLS 1.2 or 1.3 ticket, nothing for the server
		if out := ms.takeOut(); out != nil {
			putOut(out)
		}
		ps[i] = &pair{cli: cli, srv: srv, mc: mc, ms: ms}
	}
	msg := make([]byte, size)
	const ahead = 8 // records sealed per connection at a time
	seal := func(p *pair) {
		for range ahead {
			if _, err := p.cli.Write(msg); err != nil {
				b.Fatal(err)
			}
			out := p.mc.takeOut()
			p.recs = append(p.recs, append([]byte(nil), *out...))
			putOut(out)
		}
	}
	for _, p := range ps {
		seal(p)
	}
	buf := make([]byte, plainBatch)
	b.SetBytes(int64(size))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p := ps[i%conns]
		if len(p.recs) == 0 {
			b.StopTimer()
			seal(p)
			b.StartTimer()
		}
		p.ms.setInput(p.recs[0])
		p.recs = p.recs[1:]
		n := serverReadOnce(b, p.srv, p.ms, buf)
		p.ms.clearInput()
		if _, err := p.srv.Write(buf[:n]); err != nil {
			b.Fatal(err)
		}
		putOut(p.ms.takeOut())
	}
}

// serverReadOnce reads the plaintext of the input fed as tlsRead does:
// until drained, or errWouldBlock.
func serverReadOnce(b *testing.B, tc *tls.Conn, m *memConn, buf []byte) int {
	n := 0
	for {
		k, err := tc.Read(buf[n:])
		n += k
		if err == nil && k > 0 && m.drained() {
			return n
		}
		if errors.Is(err, errWouldBlock) {
			return n
		}
		if err != nil {
			b.Fatal(err)
		}
	}
}
