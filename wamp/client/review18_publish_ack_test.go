package client_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
)

// PublishOptions.Options are merged last into PUBLISH.Options, so an
// "acknowledge" there is what the router reads; Publish decided whether to
// wait from Acknowledge alone. With Acknowledge and Options
// {"acknowledge": false} it waited for a PUBLISHED the router never sends,
// until ctx ended (for ever with context.Background); with Options
// {"acknowledge": true} alone it did not wait, and the router's ERROR was
// dropped. Publish now waits exactly when the message asks for an answer.
func TestReview18PublishAcknowledgeOption(t *testing.T) {
	// A router that refuses every acknowledged PUBLISH.
	a, b := memPair()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			m, err := b.Recv(context.Background())
			if err != nil {
				return
			}
			switch m := m.(type) {
			case *wamp.Hello:
				b.Send(context.Background(), &wamp.Welcome{Session: 1, Details: wamp.Dict{"roles": wamp.Dict{"broker": wamp.Dict{}}}})
			case *wamp.Publish:
				if m.Options["acknowledge"] == true {
					b.Send(context.Background(), &wamp.Error{RequestType: wamp.TypePublish, Request: m.Request, Details: wamp.Dict{}, Error: wamp.ErrNotAuthorized})
				}
			}
		}
	}()
	t.Cleanup(func() { a.Close(); <-done })
	s, err := client.Join(ctxT(t), a, "realm1", client.JoinOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })

	// The bound is only how long the defect would hang the test.
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := s.Publish(ctx, "com.example.t", nil, nil, &client.PublishOptions{Acknowledge: true, Options: wamp.Dict{"acknowledge": false}}); err != nil {
		t.Errorf("Publish asking for no acknowledgement: %v", err)
	}
	err = s.Publish(ctx, "com.example.t", nil, nil, &client.PublishOptions{Options: wamp.Dict{"acknowledge": true}})
	var we *client.Error
	if !errors.As(err, &we) || we.URI != wamp.ErrNotAuthorized {
		t.Errorf("Publish asking for an acknowledgement: %v, want the router's ERROR %s", err, wamp.ErrNotAuthorized)
	}
}
