package client_test

import (
	"crypto/ed25519"
	"crypto/tls"
	"crypto/x509"
	"strings"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
)

// r14TLS12 pretends to be a TLS 1.2 transport, with tls-unique data and a
// router certificate.
type r14TLS12 struct{ wamp.Transport }

func (r14TLS12) ConnectionState() (tls.ConnectionState, bool) {
	return tls.ConnectionState{
		Version:          tls.VersionTLS12,
		TLSUnique:        []byte("finished"),
		PeerCertificates: []*x509.Certificate{{SignatureAlgorithm: x509.ECDSAWithSHA256, Raw: []byte("certificate")}},
	}, true
}

// TestReview14AuthExtraConflict: HELLO has one authextra for all the
// methods offered. Cryptosign bound with tls-unique and SCRAM bound with
// tls-server-end-point each announce their channel_binding there; the
// router would see only one of them and fail whichever method it picks
// with a binding the client does not use. Join refuses such a set before
// it sends HELLO, and says why; methods that agree still join.
func TestReview14AuthExtraConflict(t *testing.T) {
	_, priv, _ := ed25519.GenerateKey(nil)
	welcome := func(*wamp.Hello) []wamp.Message {
		return []wamp.Message{&wamp.Welcome{Session: 7, Details: wamp.Dict{"authmethod": "anonymous", "roles": routerRoles}}}
	}
	wrap := func(t wamp.Transport) wamp.Transport { return r14TLS12{t} }

	r := &r14Router{onHello: welcome, wrap: wrap}
	_, err := r.join(t, client.JoinOptions{AuthID: "joe", Authenticators: []client.Authenticator{
		&client.Cryptosign{PrivateKey: priv, ChannelBinding: "tls-unique"},
		&client.SCRAM{AuthID: "joe", Password: "pw", ChannelBinding: "tls-server-end-point"},
	}})
	if err == nil || !strings.Contains(err.Error(), "authextra.channel_binding") {
		t.Fatalf("err %v, want the authextra.channel_binding conflict", err)
	}
	if seen := r.stopped(); len(seen) != 0 {
		t.Fatalf("router got %v", seen)
	}

	r = &r14Router{onHello: welcome, wrap: wrap}
	if _, err := r.join(t, client.JoinOptions{AuthID: "joe", Authenticators: []client.Authenticator{
		&client.Cryptosign{PrivateKey: priv, ChannelBinding: "tls-unique"},
		&client.SCRAM{AuthID: "joe", Password: "pw", ChannelBinding: "tls-unique"},
	}}); err != nil {
		t.Fatal(err)
	}
}
