package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/examples/internal/exampletest"
	"github.com/autobahn-go/autobahn/internal/leakcheck"
	"github.com/autobahn-go/autobahn/ws"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }

// The example serves on both drivers: text and binary messages come back
// as they went, and cancelling its ctx ends it cleanly.
func TestEchoServer(t *testing.T) {
	for _, args := range [][]string{{}, {"-loop"}} {
		t.Run(strings.Join(append([]string{"driver"}, args...), ""), func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			out := exampletest.NewOutput()
			done := make(chan error, 1)
			go func() { done <- run(ctx, append([]string{"-addr", "127.0.0.1:0"}, args...), out) }()
			line := out.WaitLine(t, "echo on ws://")
			url := strings.Fields(line)[2]

			cctx, ccancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer ccancel()
			c, err := ws.Dial(cctx, url, nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range []struct {
				op ws.Opcode
				p  string
			}{{ws.OpText, "hello"}, {ws.OpBinary, "\x00\x01\xff"}} {
				if err := c.WriteMessage(cctx, m.op, []byte(m.p)); err != nil {
					t.Fatal(err)
				}
				op, p, err := c.ReadMessage(cctx)
				if err != nil || op != m.op || string(p) != m.p {
					t.Errorf("echo of %v %q: %v %q, %v", m.op, m.p, op, p, err)
				}
			}
			c.Close(ws.StatusNormalClosure, "")
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("run: %v", err)
				}
			case <-cctx.Done():
				t.Fatal("run did not return after ctx ended")
			}
		})
	}
}
