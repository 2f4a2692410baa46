package cli

import (
	"context"
	"crypto/tls"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/router"
	"github.com/autobahn-go/autobahn/wamp/serialize/cbor"
	"github.com/autobahn-go/autobahn/wamp/transport/rawsocket"
)

// autobahn wamp against a router with a self-signed certificate (serve
// --tls-cert): --ca FILE trusts it, --insecure skips the check, and
// without either the error says which flag to give. There was no way to
// reach such a router from the command line.
func TestReview17WAMPSelfSignedRouter(t *testing.T) {
	dir, certFile, url, stop := startTLSServe(t) // review18_tlsrouter_test.go
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	wampRun := func(flags ...string) (string, error) {
		var out, errb wampOut
		args := append(append([]string{"wamp", "call"}, flags...), url, "wamp.session.count")
		err := run(ctx, args, &out, &errb)
		return out.String(), err
	}
	for _, flags := range [][]string{{"--ca", certFile}, {"--insecure"}} {
		out, err := wampRun(flags...)
		if err != nil || !strings.HasPrefix(out, `{"args":[`) {
			t.Errorf("wamp call %v: %v, printed %q", flags, err, out)
		}
	}

	// Not trusted: exit 1 (not a usage error), naming both flags.
	_, err := wampRun()
	var cve *tls.CertificateVerificationError
	var ue usageError
	if !errors.As(err, &cve) || errors.As(err, &ue) || !strings.Contains(err.Error(), "--ca FILE") || !strings.Contains(err.Error(), "--insecure") {
		t.Errorf("wamp call without --ca: %v, want the certificate error and a hint at --ca and --insecure", err)
	}

	// Bad values are usage errors that name the flag.
	notPEM := filepath.Join(dir, "not.pem")
	if err := os.WriteFile(notPEM, []byte("not a certificate\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		flags []string
		want  string
	}{
		{[]string{"--ca", filepath.Join(dir, "missing.pem")}, "--ca"},
		{[]string{"--ca", notPEM}, "--ca"},
		{[]string{"--ca", certFile, "--insecure"}, "--insecure"},
		{[]string{"--cryptosign-seed-file", filepath.Join(dir, "missing.seed")}, "--cryptosign-seed-file"},
		{[]string{"--cryptosign-seed-file", notPEM}, "--cryptosign-seed-file"},
	} {
		_, err := wampRun(c.flags...)
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("wamp call %v: %v, want a usage error naming %s", c.flags, err, c.want)
		}
	}

	// -h documents both.
	var out, errb wampOut
	if err := run(ctx, []string{"wamp", "-h"}, &out, &errb); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"-ca FILE", "-insecure"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("wamp -h: no %q in\n%s", want, out.String())
		}
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}

// The same over rss:// (RawSocket over TLS), with a router on a TLS
// listener in-process.
func TestReview17WAMPSelfSignedRawSocket(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, _ := writeKeyPair(t, dir, 1)
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	r, err := router.New(router.Config{Realms: []router.RealmConfig{{Name: "realm1", AllowAnonymous: true}}})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				c, err := rawsocket.Accept(context.Background(), nc, rawsocket.ServerOptions{Serializers: []wamp.Serializer{cbor.Serializer{}}})
				if err != nil {
					nc.Close()
					return
				}
				r.ServeTransport(context.Background(), c)
			})
		}
	})
	defer func() {
		ln.Close()
		r.Close(context.Background())
		wg.Wait()
	}()
	url := "rss://" + ln.Addr().String()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for _, flags := range [][]string{{"--ca", certFile}, {"--insecure"}, nil} {
		var out, errb wampOut
		err := run(ctx, append(append([]string{"wamp", "call", "--serializer", "cbor"}, flags...), url, "wamp.session.count"), &out, &errb)
		if flags == nil {
			var cve *tls.CertificateVerificationError
			if !errors.As(err, &cve) || !strings.Contains(err.Error(), "--ca FILE") {
				t.Errorf("wamp call %s without --ca: %v, want the certificate error and a hint at --ca", url, err)
			}
			continue
		}
		if err != nil || !strings.HasPrefix(out.String(), `{"args":[`) {
			t.Errorf("wamp call %v %s: %v, printed %q", flags, url, err, out.String())
		}
	}
}
