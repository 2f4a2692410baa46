package prefork_test

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"testing"

	"github.com/autobahn-go/autobahn/internal/leakcheck"
	"github.com/autobahn-go/autobahn/prefork"
)

// TestMain runs the test binary as a child when Run started it (the
// children of these tests are this binary again), else the tests.
func TestMain(m *testing.M) {
	if _, ok := prefork.Child(); ok {
		os.Exit(childMain(os.Args[1:]))
	}
	leakcheck.Main(m)
}

// childMain is a child's program: "serve ADDR" answers every connection
// with its pid until SIGTERM (then exits 0); "crash" exits 3 at once;
// "stubborn ADDR" serves but ignores SIGTERM.
func childMain(args []string) int {
	if len(args) == 0 {
		return 2
	}
	switch args[0] {
	case "crash":
		return 3
	case "serve", "stubborn":
	default:
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	if args[0] == "stubborn" {
		signal.Ignore(syscall.SIGTERM)
	}
	ln, err := prefork.Listen("tcp", args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 1
	}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			_, _ = c.Write([]byte(strconv.Itoa(os.Getpid()) + "\n"))
			_ = c.Close()
		}
	}()
	if err := prefork.Ready(); err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 1
	}
	<-ctx.Done()
	_ = ln.Close()
	return 0
}
