package auth

import (
	"crypto/sha256"
	"crypto/sha512"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"hash"
)

// Channel binding types (RFC 5929, RFC 9266).
const (
	BindTLSUnique         = "tls-unique"           // TLS 1.2 and lower: the first Finished message
	BindTLSServerEndPoint = "tls-server-end-point" // a hash of the server's certificate
	BindTLSExporter       = "tls-exporter"         // TLS 1.3: exported keying material
)

// ChannelBindingData returns the channel binding data of type typ for the
// TLS connection st. Client and server get the same data for "tls-unique"
// and "tls-exporter". For "tls-server-end-point" it hashes
// st.PeerCertificates[0], which is the server's certificate on the
// client's side only; a server uses TLSServerEndPoint with its own
// certificate.
func ChannelBindingData(st tls.ConnectionState, typ string) ([]byte, error) {
	switch typ {
	case BindTLSUnique:
		if st.Version >= tls.VersionTLS13 || len(st.TLSUnique) == 0 {
			return nil, fmt.Errorf("wamp/auth: no tls-unique on %s (TLS 1.3 has none; use tls-exporter)", tls.VersionName(st.Version))
		}
		return st.TLSUnique, nil
	case BindTLSExporter:
		if st.Version < tls.VersionTLS13 {
			return nil, fmt.Errorf("wamp/auth: tls-exporter needs TLS 1.3, the connection is %s (use tls-unique)", tls.VersionName(st.Version))
		}
		return st.ExportKeyingMaterial("EXPORTER-Channel-Binding", nil, 32)
	case BindTLSServerEndPoint:
		if len(st.PeerCertificates) == 0 {
			return nil, errors.New("wamp/auth: tls-server-end-point: the router sent no certificate")
		}
		return TLSServerEndPoint(st.PeerCertificates[0])
	}
	return nil, fmt.Errorf("wamp/auth: unsupported channel binding %q", typ)
}

// TLSServerEndPoint returns the "tls-server-end-point" binding data of a
// server certificate (RFC 5929 §4.1): its hash with the hash function of
// its signature algorithm, SHA-256 for MD5 and SHA-1.
func TLSServerEndPoint(cert *x509.Certificate) ([]byte, error) {
	var h hash.Hash
	switch cert.SignatureAlgorithm {
	case x509.MD5WithRSA, x509.SHA1WithRSA, x509.DSAWithSHA1, x509.ECDSAWithSHA1,
		x509.SHA256WithRSA, x509.SHA256WithRSAPSS, x509.DSAWithSHA256, x509.ECDSAWithSHA256:
		h = sha256.New()
	case x509.SHA384WithRSA, x509.SHA384WithRSAPSS, x509.ECDSAWithSHA384:
		h = sha512.New384()
	case x509.SHA512WithRSA, x509.SHA512WithRSAPSS, x509.ECDSAWithSHA512:
		h = sha512.New()
	default:
		return nil, fmt.Errorf("wamp/auth: tls-server-end-point is undefined for %v certificates (RFC 5929 §4.1)", cert.SignatureAlgorithm)
	}
	h.Write(cert.Raw)
	return h.Sum(nil), nil
}
