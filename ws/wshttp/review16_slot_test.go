package wshttp_test

import (
	"context"
	"errors"
	"io"
	"log"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/wshttp"
)

// panicOnOffer panics in OnConnect when the client offers the
// subprotocol "panic".
type panicOnOffer struct{ ws.BaseHandler }

func (panicOnOffer) OnConnect(r *ws.ConnectRequest) (ws.Accept, error) {
	for _, p := range r.Protocols {
		if p == "panic" {
			panic("OnConnect panicked")
		}
	}
	return ws.Accept{}, nil
}

// TestReview16HandlerPanicFreesSlot: with Options.PanicCrash, a panic in
// OnConnect under wshttp.Handler goes on to net/http (which recovers it
// per connection), but it still gives back the connection's
// MaxConnections slot: the slot was lost for good, every later client
// was refused with 503, and Shutdown waited for it until its ctx ended.
func TestReview16HandlerPanicFreesSlot(t *testing.T) {
	srv := &ws.Server{Handler: panicOnOffer{}, Options: &ws.Options{MaxConnections: 1, PanicCrash: true}}
	hs := httptest.NewUnstartedServer(wshttp.Handler(srv))
	hs.Config.ErrorLog = log.New(io.Discard, "", 0) // net/http logs the panic it recovers
	hs.Start()
	defer hs.Close()
	url := "ws" + strings.TrimPrefix(hs.URL, "http") + "/"
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()

	if _, err := ws.Dial(ctx, url, &ws.Options{Subprotocols: []string{"panic"}}); err == nil {
		t.Fatal("the handshake whose OnConnect panicked succeeded")
	}
	c, err := ws.Dial(ctx, url, nil)
	var he *ws.HandshakeError
	if errors.As(err, &he) {
		t.Fatalf("a good client after the panic: %v (the slot is lost)", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	_ = c.CloseNow()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
}

// boomExtension is an Extension whose server-side Accept panics.
type boomExtension struct{}

func (boomExtension) Name() string                { return "x-boom" }
func (boomExtension) Offers() []ws.ExtensionOffer { return []ws.ExtensionOffer{{Name: "x-boom"}} }
func (boomExtension) Accept([]ws.ExtensionOffer) (ws.ExtensionOffer, ws.Codec, bool, error) {
	panic("boom in Accept")
}
func (boomExtension) Accepted(ws.ExtensionOffer) (ws.Codec, error) { return nil, nil }

// TestReview16HandlerExtensionPanic: under wshttp.Handler, an Extension
// whose Accept panics gets its handshake answered with 500 and counted in
// Panics, and the slot is given back. The panic went on to net/http,
// which closed the connection unanswered, and the MaxConnections slot
// was lost for good (later clients refused with 503, Shutdown waiting
// for the lost one until its ctx ended).
func TestReview16HandlerExtensionPanic(t *testing.T) {
	srv := &ws.Server{Handler: ws.BaseHandler{}, Options: &ws.Options{
		MaxConnections: 1,
		Extensions:     []ws.Extension{boomExtension{}},
		Logger:         slog.New(slog.NewTextHandler(io.Discard, nil)),
	}}
	hs := httptest.NewUnstartedServer(wshttp.Handler(srv))
	hs.Config.ErrorLog = log.New(io.Discard, "", 0)
	hs.Start()
	defer hs.Close()
	url := "ws" + strings.TrimPrefix(hs.URL, "http") + "/"
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()

	_, err := ws.Dial(ctx, url, &ws.Options{Extensions: []ws.Extension{boomExtension{}}})
	var he *ws.HandshakeError
	if !errors.As(err, &he) || he.Status != 500 {
		t.Fatalf("offering the panicking extension: %v, want a 500 answer", err)
	}
	if n := srv.Panics(); n != 1 {
		t.Errorf("Panics() = %d, want 1", n)
	}
	c, err := ws.Dial(ctx, url, nil)
	if err != nil {
		t.Fatalf("a good client after the panic: %v", err)
	}
	_ = c.CloseNow()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
}
