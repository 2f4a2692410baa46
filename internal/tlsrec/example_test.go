package tlsrec_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"time"

	"github.com/autobahn-go/autobahn/internal/tlsrec"
)

// handshakeConn is the server's connection during the handshake: the
// Capture sees what crypto/tls writes, and crypto/tls reads through a
// RecordReader.
type handshakeConn struct {
	net.Conn
	capt *tlsrec.Capture
	rd   io.Reader
}

func (c *handshakeConn) Read(b []byte) (int, error) { return c.rd.Read(b) }

func (c *handshakeConn) Write(b []byte) (int, error) {
	c.capt.Wrote(b)
	return c.Conn.Write(b)
}

// Example takes a server connection over from crypto/tls after its
// handshake, and then talks to a crypto/tls client with Seal and Open.
func Example() {
	cliRaw, srvRaw := net.Pipe()
	defer cliRaw.Close()
	defer srvRaw.Close()

	capt := tlsrec.NewCapture(nil)
	cfg := &tls.Config{Certificates: []tls.Certificate{selfSigned()}, KeyLogWriter: capt.KeyLogWriter()}
	srv := tls.Server(&handshakeConn{srvRaw, capt, tlsrec.RecordReader(srvRaw)}, cfg)
	cli := tls.Client(cliRaw, &tls.Config{InsecureSkipVerify: true})
	go func() {
		if cli.Handshake() == nil {
			_, _ = cli.Write([]byte("hello, server"))
		}
	}()
	if err := srv.Handshake(); err != nil {
		fmt.Println(err)
		return
	}
	rc, err := capt.Conn(srv.ConnectionState()) // srv is not used again
	if err != nil {
		fmt.Println(err)
		return
	}

	// Read: keep what Open did not use, append more input to it.
	var in []byte
	buf := make([]byte, 4096)
	for {
		n, err := srvRaw.Read(buf)
		if err != nil {
			fmt.Println(err)
			return
		}
		in = append(in, buf[:n]...)
		plain, used, err := rc.Open(in)
		if err != nil {
			// io.EOF, the peer's alert, or ours to send it.
			var a tlsrec.Alert
			if errors.As(err, &a) {
				_, _ = srvRaw.Write(rc.AppendAlert(nil, a))
			}
			fmt.Println(err)
			return
		}
		in = in[:copy(in, in[used:])]
		if len(plain) > 0 {
			fmt.Printf("server got %q\n", plain)
			break
		}
	}

	// Write.
	out, _ := rc.Seal(nil, []byte("hello, client"))
	go func() { _, _ = srvRaw.Write(out) }()
	n, _ := cli.Read(buf)
	fmt.Printf("client got %q\n", buf[:n])
	// Output:
	// server got "hello, server"
	// client got "hello, client"
}

// selfSigned makes a throwaway certificate.
func selfSigned() tls.Certificate {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		DNSNames:     []string{"localhost"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
	}
	der, _ := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}
