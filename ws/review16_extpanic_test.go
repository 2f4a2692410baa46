package ws_test

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/internal/wsconf"
	"github.com/autobahn-go/autobahn/ws"
)

// boomExtension is a user's Extension whose server-side Accept panics.
type boomExtension struct{}

func (boomExtension) Name() string                { return "x-boom" }
func (boomExtension) Offers() []ws.ExtensionOffer { return []ws.ExtensionOffer{{Name: "x-boom"}} }
func (boomExtension) Accept([]ws.ExtensionOffer) (ws.ExtensionOffer, ws.Codec, bool, error) {
	panic("boom in Accept")
}
func (boomExtension) Accepted(ws.ExtensionOffer) (ws.Codec, error) { return nil, nil }

// TestReview16ExtensionAcceptPanicContained: a ws.Server whose
// Extension's Accept panics answers that handshake with 500, logs the
// panic with its stack, counts it in Panics and goes on serving; the
// panic took down the process.
func TestReview16ExtensionAcceptPanicContained(t *testing.T) {
	var logs wsconf.LogBuffer
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &ws.Server{Handler: ws.BaseHandler{}, Options: &ws.Options{
		Extensions: []ws.Extension{boomExtension{}},
		Logger:     slog.New(slog.NewTextHandler(&logs, nil)),
	}}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	defer func() {
		if err := srv.Shutdown(context.Background()); err != nil {
			t.Error(err)
		}
		if err := <-served; !errors.Is(err, ws.ErrClosed) {
			t.Errorf("Serve: %v, want ErrClosed", err)
		}
	}()
	url := "ws://" + ln.Addr().String() + "/"
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()

	_, err = ws.Dial(ctx, url, &ws.Options{Extensions: []ws.Extension{boomExtension{}}})
	var he *ws.HandshakeError
	if !errors.As(err, &he) || he.Status != 500 {
		t.Fatalf("Dial offering the panicking extension: %v, want a 500 answer", err)
	}
	for srv.Panics() != 1 { // counted once answered
		if ctx.Err() != nil {
			t.Fatalf("Panics() = %d, want 1", srv.Panics())
		}
		time.Sleep(time.Millisecond)
	}
	if log := logs.String(); !strings.Contains(log, "boom in Accept") || !strings.Contains(log, "boomExtension.Accept") {
		t.Errorf("the panic is not logged with its stack: %q", log)
	}
	c, err := ws.Dial(ctx, url, nil)
	if err != nil {
		t.Fatalf("Dial after the panic: %v", err)
	}
	_ = c.CloseNow()
}
