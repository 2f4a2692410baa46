package tlsrec

import (
	"crypto/tls"
	"testing"
)

// TestReviewEmptyAlertRecord: RFC 8446 5.1: "Implementations MUST NOT
// send Handshake and Alert records that have a zero-length
// TLSInnerPlaintext.content; if such a message is received, the receiving
// implementation MUST terminate the connection with an
// "unexpected_message" alert." (crypto/tls agrees: conn.go sends
// unexpected_message for an alert record that is not 2 bytes.)
func TestReviewEmptyAlertRecord(t *testing.T) {
	for _, id := range allSuites {
		for _, pad := range []int{0, 9} {
			t.Run(tls.CipherSuiteName(id), func(t *testing.T) {
				srv, cli := mirror(t, id)
				b := data(cli, nil, "before")
				b = sealRaw(cli, b, 23, inner(nil, typeAlert, pad))
				plain, used, err := srv.Open(b)
				if string(plain) != "before" || used != len(b) {
					t.Fatalf("plain %q used %d of %d", plain, used, len(b))
				}
				if err != AlertUnexpectedMessage {
					t.Fatalf("zero-length alert record: err %v, want %v", err, AlertUnexpectedMessage)
				}
			})
		}
	}
}
