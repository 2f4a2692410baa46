package main

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/ws"
)

func TestServe(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	errc := make(chan error, 1)
	go func() {
		errc <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--loop-addr", "127.0.0.1:0"}, pw, io.Discard)
		pw.Close()
	}()
	br := bufio.NewReader(pr)
	line, err := br.ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`http://(127\.0\.0\.1:\d+)/`).FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("no address in %q", line)
	}
	addr := m[1]
	line, err = br.ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	m = regexp.MustCompile(`event-loop WebSocket echo on ws://(127\.0\.0\.1:\d+)/`).FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("no event-loop address in %q", line)
	}
	loopAddr := m[1]
	go func() { _, _ = io.Copy(io.Discard, br) }()

	resp, err := http.Get("http://" + addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(page), "new WebSocket(") {
		t.Fatalf("page: %d %q", resp.StatusCode, page[:min(len(page), 80)])
	}

	rctx, rcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer rcancel()
	var conns []*ws.Conn
	for _, u := range []string{"ws://" + addr + "/echo", "ws://" + loopAddr + "/"} {
		c, err := ws.Dial(rctx, u, nil)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		for _, msg := range []struct {
			op ws.Opcode
			p  string
		}{{ws.OpText, "hello κόσμε"}, {ws.OpBinary, "\x00\x01\xff"}, {ws.OpText, strings.Repeat("x", 100000)}} {
			if err := c.WriteMessage(rctx, msg.op, []byte(msg.p)); err != nil {
				t.Fatal(err)
			}
			op, p, err := c.ReadMessage(rctx)
			if err != nil || op != msg.op || string(p) != msg.p {
				t.Fatalf("%s echo: %v %d bytes %v", u, op, len(p), err)
			}
		}
	}

	// Stopping the command closes the connections with 1001.
	cancel()
	for _, c := range conns {
		_, _, err = c.ReadMessage(rctx)
		var ce *ws.CloseError
		if !errors.As(err, &ce) || ce.Code != ws.StatusGoingAway {
			t.Fatalf("after stop: %v", err)
		}
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
}
