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
func BenchmarkTLSLayer(b *testing.B) { benchLayerCells(b, benchTLSLayer) }

// benchLayerCells runs a TLS layer benchmark for 1 and 1000 connections
// and 32 B and 4 KiB messages.
func benchLayerCells(b *testing.B, run func(b *testing.B, conns, size int)) {
	for _, conns := range []int{1, 1000} {
		for _, size := range []int{32, 4096} {
			b.Run(fmt.Sprintf("conns=%d/%dB", conns, size), func(b *testing.B) {
				run(b, conns, size)
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
		handshakeMem(b, cli, srv, mc, ms)
		drain(b, srv) // a TLS 1.2 or 1.3 ticket, nothing for the server
		if out := ms.takeOut(); out != nil {
			putOut(out)
		}
		ps[i] = &pair{cli: cli, srv: srv, mc: mc, ms: ms}
	}
	msg := make([]byte, size)
	seal := func(p *pair) { p.recs = sealAhead(b, p.cli, p.mc, msg, p.recs) }
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

// sealAhead appends to recs eight records of msg the client sealed (the
// records sealed per connection at a time), each as the memConn under it
// took it for sending.
func sealAhead(b *testing.B, cli *tls.Conn, mc *memConn, msg []byte, recs [][]byte) [][]byte {
	for range 8 {
		if _, err := cli.Write(msg); err != nil {
			b.Fatal(err)
		}
		out := mc.takeOut()
		recs = append(recs, append([]byte(nil), *out...))
		putOut(out)
	}
	return recs
}
