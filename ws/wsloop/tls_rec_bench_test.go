package wsloop

import (
	"crypto/tls"
	"testing"

	"github.com/autobahn-go/autobahn/internal/tlsrec"
)

// BenchmarkTLSRecordLayer is BenchmarkTLSLayer on the record layer a
// server's TLS 1.3 connection moves to after its handshake (tls_rec.go):
// a record from the client is opened in place and the answer sealed into
// a buffer of the pool, as recData and recSend do. Run both in one
// command to compare them.
func BenchmarkTLSRecordLayer(b *testing.B) { benchLayerCells(b, benchRecordLayer) }

// recPair is a Go client and a server taken over by the record layer
// after a handshake through memConns.
func recPair(tb testing.TB) (cli *tls.Conn, mc *memConn, rec *tlsrec.Conn) {
	cli, srv, mc, ms := memPairWith(tb, tls.VersionTLS13, true)
	handshakeMem(tb, cli, srv, mc, ms)
	rec, err := ms.capture.Conn(srv.ConnectionState())
	if err != nil {
		tb.Fatal(err)
	}
	return cli, mc, rec
}

func benchRecordLayer(b *testing.B, conns, size int) {
	type pair struct {
		cli  *tls.Conn
		mc   *memConn
		rec  *tlsrec.Conn
		recs [][]byte
	}
	ps := make([]*pair, conns)
	for i := range ps {
		cli, mc, rec := recPair(b)
		ps[i] = &pair{cli: cli, mc: mc, rec: rec}
	}
	msg := make([]byte, size)
	seal := func(p *pair) { p.recs = sealAhead(b, p.cli, p.mc, msg, p.recs) }
	for _, p := range ps {
		seal(p)
	}
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
		plain, _, err := p.rec.Open(p.recs[0])
		if err != nil || len(plain) != size {
			b.Fatal(len(plain), err)
		}
		p.recs = p.recs[1:]
		out := outPool.Get().(*[]byte)
		if *out, err = p.rec.Seal(*out, plain); err != nil {
			b.Fatal(err)
		}
		putOut(out)
	}
}
