package tlsrec

import (
	"crypto/tls"
	"testing"
)

// TestCompact: after Compact a Conn holds no AEAD; the next record each
// way makes it again, and records keep flowing both ways, across a key
// update too, for every suite.
func TestCompact(t *testing.T) {
	for _, id := range []uint16{tls.TLS_AES_128_GCM_SHA256, tls.TLS_AES_256_GCM_SHA384, tls.TLS_CHACHA20_POLY1305_SHA256} {
		srv, cli := mirror(t, id)
		for round := range 3 {
			srv.Compact()
			cli.Compact()
			if srv.in.aead != nil || srv.out.aead != nil {
				t.Fatalf("%x: AEADs kept after Compact", id)
			}
			if round == 2 { // the peer updates its keys while we are compact
				b, err := requestUpdateBytes(cli)
				if err != nil {
					t.Fatal(err)
				}
				if _, _, err := srv.Open(b); err != nil || !srv.Pending() {
					t.Fatalf("%x: KeyUpdate while compact: %v, pending %v", id, err, srv.Pending())
				}
			}
			in := data(cli, nil, "to the server")
			plain, _, err := srv.Open(in)
			if err != nil || string(plain) != "to the server" || srv.in.aead == nil {
				t.Fatalf("%x round %d: server opened %q, %v", id, round, plain, err)
			}
			out, err := srv.Seal(nil, []byte("to the client"))
			if err != nil {
				t.Fatal(err)
			}
			plain, _, err = cli.Open(out)
			if err != nil || string(plain) != "to the client" {
				t.Fatalf("%x round %d: client opened %q, %v", id, round, plain, err)
			}
		}
	}
}

// requestUpdateBytes is requestUpdate without a testing.TB.
func requestUpdateBytes(c *Conn) ([]byte, error) {
	b := c.seal(nil, typeHandshake, []byte{handshakeKeyUpdate, 0, 0, 1, 1})
	return b, c.out.update(c.suite)
}

// TestCompactGoClient: a connection compacted between messages goes on
// with a crypto/tls client on the other end.
func TestCompactGoClient(t *testing.T) {
	srvCfg, cliCfg, _ := testConfigs(t)
	h := newHandover(t, viaPipe, srvCfg, cliCfg)
	for range 3 {
		h.srv.rc.Compact()
		exchange(t, h, 1, 20000)
	}
	closeBoth(t, h)
}
