package wsloop

import (
	"crypto/tls"
	"crypto/x509"
	"testing"
)

// NewTestCert is newTestCert for the external tests.
func NewTestCert(tb testing.TB, name string) (tls.Certificate, *x509.CertPool) {
	return newTestCert(tb, name)
}

// SelfSignedCert returns a self-signed certificate for 127.0.0.1 and
// localhost, and a pool that trusts it.
var SelfSignedCert = selfSignedCert
