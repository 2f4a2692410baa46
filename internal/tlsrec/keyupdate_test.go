package tlsrec

import (
	"bytes"
	"io"
	"testing"
	"time"
)

// TestOwnKeyUpdatesGoClient: with keyUpdateAfter small, Seal updates our
// keys every few records, and the crypto/tls client follows.
func TestOwnKeyUpdatesGoClient(t *testing.T) {
	defer func(n uint64) { keyUpdateAfter = n }(keyUpdateAfter)
	keyUpdateAfter = 3
	srvCfg, cliCfg, _ := testConfigs(t)
	h := newHandover(t, viaSocket, srvCfg, cliCfg)
	first := bytes.Clone(h.srv.rc.out.secret)
	// 1 MiB is 64 records: about 21 KeyUpdates.
	exchange(t, h, 1, 1<<20, 100, MaxPlaintext+1)
	if bytes.Equal(first, h.srv.rc.out.secret) || h.srv.rc.out.seq >= keyUpdateAfter {
		t.Fatalf("no key update: seq %d", h.srv.rc.out.seq)
	}
	closeBoth(t, h)
}

// TestPeerKeyUpdateGoClient: our KeyUpdate with update_requested makes
// the crypto/tls client answer with its own KeyUpdate before its next
// data, which Open follows; then both sides go on under the new keys.
func TestPeerKeyUpdateGoClient(t *testing.T) {
	for via, name := range []string{"pipe", "socketpair", "tcp"} {
		t.Run(name, func(t *testing.T) {
			srvCfg, cliCfg, _ := testConfigs(t)
			h := newHandover(t, via, srvCfg, cliCfg)
			exchange(t, h, 10)
			rc := h.srv.rc
			wantIn := rc.suite.expandLabel(rc.in.secret, "traffic upd", rc.suite.hashSz)
			for round := range 3 {
				out := requestUpdate(t, rc, nil)
				out, err := rc.Seal(out, []byte("after our update"))
				errc := h.srv.writeAsync(out, err)
				// The client answers during its Read: on net.Pipe the
				// server must read meanwhile.
				type res struct {
					b   []byte
					err error
				}
				readc := make(chan res, 1)
				go func() {
					b, err := h.srv.read(len("client data"))
					readc <- res{b, err}
				}()
				got := make([]byte, len("after our update"))
				_ = h.cli.SetReadDeadline(time.Now().Add(ioTimeout))
				if _, err := io.ReadFull(h.cli, got); err != nil || string(got) != "after our update" {
					t.Fatalf("round %d: client read %q %v", round, got, err)
				}
				if err := <-errc; err != nil {
					t.Fatal(err)
				}
				if _, err := h.cli.Write([]byte("client data")); err != nil {
					t.Fatal(err)
				}
				r := <-readc
				if r.err != nil || string(r.b) != "client data" {
					t.Fatalf("round %d: server read %q %v", round, r.b, r.err)
				}
				if round == 0 && !bytes.Equal(rc.in.secret, wantIn) {
					t.Fatal("read key not at the client's next generation")
				}
				if rc.Pending() {
					t.Fatal("the client's update_not_requested left a reply pending")
				}
			}
			exchange(t, h, MaxPlaintext+1)
			closeBoth(t, h)
		})
	}
}
