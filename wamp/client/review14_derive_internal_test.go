package client

import (
	"context"
	"errors"
	"testing"
)

// TestReview14DeriveReturnsOnCancel: when ctx ends during a key
// derivation, derive (SCRAM's and salted CRA's Authenticate) returns
// ctx's error without waiting for it; the derivation finishes on its own.
func TestReview14DeriveReturnsOnCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	started, release, finished := make(chan struct{}), make(chan struct{}), make(chan struct{})
	go func() {
		<-started
		cancel()
	}()
	_, err := derive(ctx, func() ([]byte, error) {
		defer close(finished)
		close(started)
		<-release // a derivation that takes until the test says
		return []byte("key"), nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err %v, want context.Canceled", err)
	}
	close(release)
	<-finished

	key, err := derive(context.Background(), func() ([]byte, error) { return []byte("key"), nil })
	if err != nil || string(key) != "key" {
		t.Fatalf("derive = %q, %v", key, err)
	}
}
