package tlsrec

import (
	"bytes"
	"crypto/tls"
	"io"
	"net"
	"strconv"
	"testing"
)

// memConn is a net.Conn that, once in memory mode, writes into w and
// reads from r: crypto/tls's record layer with no I/O under it.
type memConn struct {
	net.Conn
	mem bool
	w   bytes.Buffer
	r   bytes.Buffer
}

func (m *memConn) Write(b []byte) (int, error) {
	if m.mem {
		return m.w.Write(b)
	}
	return m.Conn.Write(b)
}

func (m *memConn) Read(b []byte) (int, error) {
	if m.mem {
		return m.r.Read(b)
	}
	return m.Conn.Read(b)
}

// tlsPair is a crypto/tls client and server after their handshake (over
// net.Pipe), both then in memory mode.
func tlsPair(b *testing.B) (cli, srv *tls.Conn, cm, sm *memConn) {
	srvCfg, cliCfg, _ := testConfigs(b)
	cc, sc := net.Pipe()
	b.Cleanup(func() { cc.Close(); sc.Close() })
	cm, sm = &memConn{Conn: cc}, &memConn{Conn: sc}
	cli, srv = tls.Client(cm, cliCfg), tls.Server(sm, srvCfg)
	errc := make(chan error, 1)
	go func() { errc <- cli.Handshake() }()
	if err := srv.Handshake(); err != nil {
		b.Fatal(err)
	}
	if err := <-errc; err != nil {
		b.Fatal(err)
	}
	cm.mem, sm.mem = true, true
	return cli, srv, cm, sm
}

var benchSizes = []int{32, 4096}

// BenchmarkSeal: one message into one record, appended to a reused
// buffer; crypto/tls's Write of the same into memory (AES-128-GCM, the
// suite crypto/tls picks between two crypto/tls peers on this machine).
func BenchmarkSeal(b *testing.B) {
	for _, n := range benchSizes {
		msg := pattern(n, 1)
		for _, id := range allSuites {
			b.Run(tls.CipherSuiteName(id)+"/"+strconv.Itoa(n)+"/tlsrec", func(b *testing.B) {
				srv, _ := mirror(b, id)
				var dst []byte
				b.SetBytes(int64(n))
				b.ReportAllocs()
				for b.Loop() {
					dst, _ = srv.Seal(dst[:0], msg)
				}
			})
		}
		b.Run("crypto-tls/"+strconv.Itoa(n), func(b *testing.B) {
			_, srv, _, sm := tlsPair(b)
			if s := srv.ConnectionState().CipherSuite; s != tls.TLS_AES_128_GCM_SHA256 {
				b.Skipf("crypto/tls picked %s", tls.CipherSuiteName(s))
			}
			b.SetBytes(int64(n))
			b.ReportAllocs()
			for b.Loop() {
				sm.w.Reset()
				if _, err := srv.Write(msg); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

const benchBatch = 512

// BenchmarkOpen: one record of n bytes opened per operation (records
// sealed in batches with the timer stopped); crypto/tls's Read of the
// same from memory.
func BenchmarkOpen(b *testing.B) {
	for _, n := range benchSizes {
		msg := pattern(n, 2)
		for _, id := range allSuites {
			b.Run(tls.CipherSuiteName(id)+"/"+strconv.Itoa(n)+"/tlsrec", func(b *testing.B) {
				srv, cli := mirror(b, id)
				var batch []byte
				b.SetBytes(int64(n))
				b.ReportAllocs()
				for b.Loop() {
					if len(batch) == 0 {
						b.StopTimer()
						batch = batch[:0:0]
						for range benchBatch {
							batch, _ = cli.Seal(batch, msg)
						}
						b.StartTimer()
					}
					plain, used, err := srv.Open(batch[:RecordLen(batch)])
					if err != nil || len(plain) != n {
						b.Fatal(err)
					}
					batch = batch[used:]
				}
			})
		}
		b.Run("crypto-tls/"+strconv.Itoa(n), func(b *testing.B) {
			cli, srv, cm, sm := tlsPair(b)
			if s := srv.ConnectionState().CipherSuite; s != tls.TLS_AES_128_GCM_SHA256 {
				b.Skipf("crypto/tls picked %s", tls.CipherSuiteName(s))
			}
			buf := make([]byte, n)
			left := 0
			b.SetBytes(int64(n))
			b.ReportAllocs()
			for b.Loop() {
				if left == 0 {
					b.StopTimer()
					cm.w.Reset()
					for range benchBatch {
						if _, err := cli.Write(msg); err != nil {
							b.Fatal(err)
						}
					}
					sm.r.Reset()
					sm.r.Write(cm.w.Bytes())
					left = benchBatch
					b.StartTimer()
				}
				if _, err := io.ReadFull(srv, buf); err != nil {
					b.Fatal(err)
				}
				left--
			}
		})
	}
}
