package loadgen

import (
	"context"
	"crypto/tls"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp/router"
	"github.com/autobahn-go/autobahn/wamp/transport/rawsocket"
	"github.com/autobahn-go/autobahn/wamp/transport/websocket"
)

// review17TLSRouter serves our router (realm1, anonymous) over wss:// and
// rss:// with cert until the test ends; it returns both URLs.
func review17TLSRouter(t *testing.T, cert tls.Certificate) (wssURL, rssURL string) {
	t.Helper()
	r, err := router.New(router.Config{Realms: []router.RealmConfig{{Name: "realm1", AllowAnonymous: true}}})
	if err != nil {
		t.Fatal(err)
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{cert}}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		c, err := websocket.Accept(w, req, websocket.Options{Serializers: testSerializers})
		if err == nil {
			r.ServeTransport(context.WithoutCancel(req.Context()), c)
		}
	})}
	var wg sync.WaitGroup
	wg.Go(func() { _ = srv.Serve(ln) })
	rln, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	wg.Go(func() {
		for {
			nc, err := rln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				c, err := rawsocket.Accept(context.Background(), nc, rawsocket.ServerOptions{Serializers: testSerializers})
				if err != nil {
					nc.Close()
					return
				}
				r.ServeTransport(context.Background(), c)
			})
		}
	})
	t.Cleanup(func() {
		srv.Close()
		rln.Close()
		r.Close(context.Background())
		wg.Wait()
	})
	return "wss://" + ln.Addr().String() + "/ws", "rss://" + rln.Addr().String()
}

// TestReview17WAMPTLS: a WAMP run reaches a router over wss:// and rss://
// with WAMP.TLSConfig (its CA trusted, or the check skipped); without it
// every session fails on the certificate, clearly. There was no way to
// run against a router with a self-signed certificate.
func TestReview17WAMPTLS(t *testing.T) {
	cert, pool := selfSigned(t)
	wssURL, rssURL := review17TLSRouter(t, cert)
	for _, tc := range []struct {
		url string
		cfg *tls.Config
	}{
		{wssURL, &tls.Config{RootCAs: pool}},
		{wssURL, &tls.Config{InsecureSkipVerify: true}},
		{rssURL, &tls.Config{RootCAs: pool}},
		{rssURL, &tls.Config{InsecureSkipVerify: true}},
	} {
		w := &WAMP{URL: tc.url, Serializer: "cbor", Callers: 1, Subscribers: 1, EventRate: 500,
			Duration: 50 * time.Millisecond, Drain: time.Second, TLSConfig: tc.cfg}
		res, err := w.Start(context.Background())
		if err != nil {
			t.Fatalf("%s (insecure %v): %v", tc.url, tc.cfg.InsecureSkipVerify, err)
		}
		if res.RPC == nil || res.RPC.Answered == 0 || res.RPC.Errors != 0 || res.PubSub == nil || res.PubSub.Received == 0 {
			t.Fatalf("%s (insecure %v): rpc %+v, pubsub %+v", tc.url, tc.cfg.InsecureSkipVerify, res.RPC, res.PubSub)
		}
	}
	for _, url := range []string{wssURL, rssURL} {
		_, err := (&WAMP{URL: url, Serializer: "cbor", Callers: 1, Subscribers: 1, Duration: 10 * time.Millisecond}).Start(context.Background())
		if err == nil || !strings.Contains(err.Error(), "certificate") {
			t.Errorf("%s, certificate not trusted: %v", url, err)
		}
	}
}
