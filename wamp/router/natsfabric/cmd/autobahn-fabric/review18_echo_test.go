package main

import (
	"context"
	"flag"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp/router"
)

// recordHandler keeps the messages of the records logged at Warn and up.
type recordHandler struct {
	mu   sync.Mutex
	msgs []string
}

func (h *recordHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelWarn }
func (h *recordHandler) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.msgs = append(h.msgs, r.Message)
	return nil
}
func (h *recordHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *recordHandler) WithGroup(string) slog.Handler      { return h }

// serve's NATS connection hears its own messages back (no nats.NoEcho):
// the fabric counts its own announcements to tell a stall of its process
// from the other routers' silence, and on a NoEcho connection it cannot
// (it warns at Start). Before, serve connected with NoEcho, so a crashed
// router kept its registrations on the others for 10 × TTL.
func TestReview18ServeHearsItsOwn(t *testing.T) {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	sf := natsFlags(fs)
	if err := fs.Parse([]string{"--nats-embedded"}); err != nil {
		t.Fatal(err)
	}
	if err := sf.Check(1); err != nil {
		t.Fatal(err)
	}
	h := &recordHandler{}
	fab, closeFab, err := sf.Open(io.Discard, slog.New(h))
	if err != nil {
		t.Fatal(err)
	}
	defer closeFab()
	r, err := router.New(router.Config{Realms: []router.RealmConfig{{Name: "realm1", AllowAnonymous: true}}, Fabric: fab})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		fab.(interface{ Close() error }).Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		r.Close(ctx)
	}()
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, m := range h.msgs {
		if strings.Contains(m, "NoEcho") {
			t.Fatalf("serve's fabric warned: %s", m)
		}
	}
}
