package ws

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// refuseWith refuses every handshake with its HandshakeError.
type refuseWith struct {
	BaseHandler
	err *HandshakeError
}

func (h refuseWith) OnConnect(*ConnectRequest) (Accept, error) { return Accept{}, h.err }

// TestReview15bServerRefusalStatus: a Server answers an OnConnect
// refusal whose HandshakeError gives no refusal's status (0, a 1xx or
// 2xx) with 500 and its reason; it wrote "HTTP/1.1 0" (a malformed
// status line) or a 101/200 as if it had not refused. 3xx to 5xx go as
// given.
func TestReview15bServerRefusalStatus(t *testing.T) {
	for _, tc := range []struct{ status, want int }{{0, 500}, {101, 500}, {200, 500}, {1000, 500}, {302, 302}, {403, 403}, {503, 503}} {
		url, _ := startServer(t, refuseWith{err: &HandshakeError{Status: tc.status, Reason: "not you"}}, nil)
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		_, err := Dial(ctx, url, nil)
		cancel()
		var he *HandshakeError
		if !errors.As(err, &he) || he.Status != tc.want || !strings.Contains(string(he.Body), "not you") {
			t.Errorf("refused with %d: %v, want %d with the reason", tc.status, err, tc.want)
		}
	}
}
