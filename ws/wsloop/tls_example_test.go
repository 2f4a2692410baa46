package wsloop_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"sync/atomic"

	"github.com/autobahn-go/autobahn/eventloop"
	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/wsloop"
)

// loadCertificate stands for reading the certificate and key files
// (tls.LoadX509KeyPair); the example makes a self-signed one, and the
// pool its client trusts.
func loadCertificate() (*tls.Certificate, *x509.CertPool) {
	cert, pool, err := wsloop.SelfSignedCert("example")
	if err != nil {
		panic(err)
	}
	return &cert, pool
}

// A wss:// server on the event loop whose certificate can be replaced
// while it runs: GetCertificate returns the current one for every new
// handshake, so a reload (on SIGHUP, or when the files change) is one
// store.
func ExampleServer_tls() {
	var current atomic.Pointer[tls.Certificate]
	cert, pool := loadCertificate()
	current.Store(cert)
	srv := &wsloop.Server{
		Handler: greeter{},
		Config:  eventloop.Config{Loops: 1},
		TLSConfig: &tls.Config{GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
			return current.Load(), nil
		}},
	}
	addr, err := srv.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	ran := make(chan error, 1)
	go func() { ran <- srv.Run() }()

	// Later: current.Store(newCert) after reloading the files.

	ctx := context.Background()
	c, err := ws.Dial(ctx, "wss://"+addr.String()+"/", &ws.Options{TLSConfig: &tls.Config{RootCAs: pool}})
	if err != nil {
		panic(err)
	}
	_ = c.WriteMessage(ctx, ws.OpText, []byte("wss"))
	_, p, _ := c.ReadMessage(ctx)
	fmt.Println(string(p))
	_ = c.Close(ws.StatusNormalClosure, "")

	_ = srv.Shutdown(ctx)
	<-ran
	// Output: hello, wss
}
