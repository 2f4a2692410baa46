package wshttp

import (
	"context"
	"errors"
	"io"
	"log"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/ws"
)

// statusless refuses /refuse with a HandshakeError that names no HTTP
// status (Status 0, a slip easily made) and accepts the rest.
type statusless struct{ echo }

func (statusless) OnConnect(req *ws.ConnectRequest) (ws.Accept, error) {
	if req.Target == "/refuse" {
		return ws.Accept{}, &ws.HandshakeError{Reason: "not you"}
	}
	return ws.Accept{}, nil
}

// TestReview15bRefusalWithoutStatus: an OnConnect refusal whose
// HandshakeError has no valid HTTP status is answered 500 with its
// reason. net/http panicked on the status 0 (WriteHeader), which ended
// the request before Handler gave back its slot: with MaxConnections 1
// every later client got 503 and Shutdown waited for its ctx.
func TestReview15bRefusalWithoutStatus(t *testing.T) {
	s := &ws.Server{Handler: statusless{}, Options: &ws.Options{MaxConnections: 1}}
	hs := httptest.NewUnstartedServer(Handler(s))
	hs.Config.ErrorLog = log.New(io.Discard, "", 0) // net/http's "panic serving"
	hs.Start()
	defer hs.Close()
	url := "ws" + strings.TrimPrefix(hs.URL, "http")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()

	_, err := ws.Dial(ctx, url+"/refuse", nil)
	var he *ws.HandshakeError
	if !errors.As(err, &he) || he.Status != 500 || !strings.Contains(string(he.Body), "not you") {
		t.Errorf("refused dial: %v, want 500 with the reason", err)
	}
	c, err := ws.Dial(ctx, url+"/", nil)
	if err != nil {
		t.Fatalf("the next client: %v (the refused one kept its slot)", err)
	}
	roundTrip(t, c)
	_ = c.CloseNow()
	sctx, scancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer scancel()
	if err := s.Shutdown(sctx); err != nil {
		t.Errorf("Shutdown: %v", err)
	}
}
