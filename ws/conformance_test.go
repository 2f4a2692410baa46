package ws

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"testing"
	"time"
)

// TestCloseTimeoutDrops: a peer that never answers our close frame is
// dropped after CloseTimeout.
func TestCloseTimeoutDrops(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		nc, err := ln.Accept()
		if err != nil {
			return
		}
		defer nc.Close()
		br := bufio.NewReader(nc)
		var head []byte
		for !bytes.HasSuffix(head, []byte("\r\n\r\n")) {
			b, err := br.ReadByte()
			if err != nil {
				return
			}
			head = append(head, b)
		}
		var req Request
		_, _ = ParseRequest(&req, head, HandshakeLimits{})
		_, _ = nc.Write(AppendResponse(nil, &req, "", "", nil))
		_, _ = io.Copy(io.Discard, br) // never answers
	}()
	silent, err := Dial(context.Background(), "ws://"+ln.Addr().String()+"/", &Options{CloseTimeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_ = silent.Close(StatusNormalClosure, "")
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("Close took %v", d)
	}
	if _, _, err := silent.ReadMessage(context.Background()); !errors.Is(err, ErrClosed) {
		t.Fatalf("read after close: %v", err)
	}
}

// TestFailByDrop: with Options.FailByDrop a protocol error drops the TCP
// connection without a close frame.
func TestFailByDrop(t *testing.T) {
	u, _ := startServer(t, newEcho(), &Options{FailByDrop: true})
	r := dialRaw(t, u)
	if _, err := r.nc.Write(frame(OpText, true, 0, false, []byte("unmasked"))); err != nil {
		t.Fatal(err)
	}
	rest, err := io.ReadAll(r.br)
	if len(rest) != 0 {
		t.Fatalf("server sent %x before dropping (err %v)", rest, err)
	}
}
