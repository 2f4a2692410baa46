//go:build !linux

package prefork_test

import (
	"context"
	"errors"
	"testing"

	"github.com/autobahn-go/autobahn/prefork"
)

// Elsewhere than on Linux every entry point says why it cannot work.
func TestUnsupported(t *testing.T) {
	if err := prefork.Run(context.Background(), prefork.Options{}); !errors.Is(err, errors.ErrUnsupported) {
		t.Fatalf("Run: %v", err)
	}
	if _, err := prefork.Listen("tcp", "127.0.0.1:0"); !errors.Is(err, errors.ErrUnsupported) {
		t.Fatalf("Listen: %v", err)
	}
	if _, _, err := prefork.Reserve("tcp", "127.0.0.1:0"); !errors.Is(err, errors.ErrUnsupported) {
		t.Fatalf("Reserve: %v", err)
	}
}
