package wsloop

import (
	"crypto/tls"
	"crypto/x509"
	"testing"

	"github.com/autobahn-go/autobahn/ws"
)

// NewTestCert is newTestCert for the external tests.
func NewTestCert(tb testing.TB, name string) (tls.Certificate, *x509.CertPool) {
	return newTestCert(tb, name)
}

// SelfSignedCert returns a self-signed certificate for 127.0.0.1 and
// localhost, and a pool that trusts it.
var SelfSignedCert = selfSignedCert

// OnRecordLayer reports whether c, a server's connection, left crypto/tls
// for the loop's own record layer (tls_rec.go), keeping neither the
// tls.Conn nor its transport. Call it in a callback of c.
func OnRecordLayer(c *ws.Conn) bool {
	lc, ok := c.NetConn().(*conn)
	return ok && lc.tls() != nil && lc.tls().rec != nil && lc.tls().tc == nil && lc.tls().mem == nil
}

// QuietCompactions is how many times a connection on the record layer
// let its AEADs go after a keepalive pong (Quiet).
func QuietCompactions() uint64 { return quietCompactions.Load() }
