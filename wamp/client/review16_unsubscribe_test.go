package client_test

import (
	"sync/atomic"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
)

// An event handler does not run after Unsubscribe of its Subscription
// returned, or after the router revoked the subscription, even for an
// event received before that waited in the event queue behind a slow
// handler: it ran, so that a program that released what the handler uses
// once Unsubscribe returned had the handler use it afterwards.
func TestReview16NoEventAfterUnsubscribe(t *testing.T) {
	for _, revoke := range []bool{false, true} {
		name := "unsubscribe"
		if revoke {
			name = "revoked"
		}
		t.Run(name, func(t *testing.T) {
			fr := &fakeRouter{}
			s := mustJoin(t, fr, client.JoinOptions{})
			var ended, lateRun atomic.Bool
			a, err := s.Subscribe(ctxT(t), "com.example.a", func(*wamp.Event) {
				if ended.Load() {
					lateRun.Store(true)
				}
			}, nil)
			if err != nil {
				t.Fatal(err)
			}
			entered, gate, last := make(chan struct{}), make(chan struct{}), make(chan struct{})
			n := 0
			if _, err := s.Subscribe(ctxT(t), "com.example.b", func(*wamp.Event) {
				n++
				switch n {
				case 1: // holds up the event queue
					close(entered)
					<-gate
				case 2:
					close(last)
				}
			}, nil); err != nil {
				t.Fatal(err)
			}
			pub := &client.PublishOptions{IncludeMe: true, Acknowledge: true}
			if err := s.Publish(ctxT(t), "com.example.b", nil, nil, pub); err != nil {
				t.Fatal(err)
			}
			<-entered
			// The router sends the EVENT before PUBLISHED: once Publish
			// returned, the event waits in the queue.
			if err := s.Publish(ctxT(t), "com.example.a", nil, nil, pub); err != nil {
				t.Fatal(err)
			}
			if revoke {
				fr.send(&wamp.Unsubscribed{Details: wamp.Dict{"subscription": int64(a.ID), "reason": "test"}})
				select {
				case <-a.Revoked():
				case <-ctxT(t).Done():
					t.Fatal("not revoked")
				}
			} else if err := s.Unsubscribe(ctxT(t), a); err != nil {
				t.Fatal(err)
			}
			ended.Store(true)
			close(gate)
			// Events run in order: once this one ran, a's would have.
			if err := s.Publish(ctxT(t), "com.example.b", nil, nil, pub); err != nil {
				t.Fatal(err)
			}
			select {
			case <-last:
			case <-ctxT(t).Done():
				t.Fatal("the last event did not come")
			}
			if lateRun.Load() {
				t.Error("the handler ran after the subscription ended")
			}
		})
	}
}
