//go:build linux && !eventloop_goroutines

package eventloop

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestListenUnixShutdownRemovesFile: a unix Listen that Shutdown overtakes after the socket was
// bound returns ErrClosed and leaves no socket file behind (it was left on disk, and the next
// Listen on that path failed with "address already in use").
func TestListenUnixShutdownRemovesFile(t *testing.T) {
	l, _ := serve(t, Config{Loops: 1}, &funcs{})
	path := filepath.Join(t.TempDir(), "sock")
	testHookListenPost = func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := l.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	}
	defer func() { testHookListenPost = nil }()
	if _, err := l.Listen("unix", path); !errors.Is(err, ErrClosed) {
		t.Fatalf("Listen overtaken by Shutdown: %v, want ErrClosed", err)
	}
	if _, err := os.Lstat(path); !os.IsNotExist(err) {
		t.Fatalf("the socket file is left: %v", err)
	}
}

// TestListenUnixAbstractLeavesFile: closing a listener on an abstract unix address ("@name")
// removes no file, as package net removes none: it removed the file "@name" in the working
// directory, which was not the socket's.
func TestListenUnixAbstractLeavesFile(t *testing.T) {
	t.Chdir(t.TempDir())
	name := "@eventloop-review15b-abstract"
	if err := os.WriteFile(name, []byte("not the socket's"), 0o600); err != nil {
		t.Fatal(err)
	}
	l, _ := serve(t, Config{Loops: 1}, &funcs{})
	if _, err := l.Listen("unix", name); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := l.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(name); err != nil {
		t.Fatalf("the file %s: %v", name, err)
	}
}
