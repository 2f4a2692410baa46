package deflate

import (
	"bufio"
	"bytes"
	"compress/flate"
	"context"
	"errors"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/ws"
)

// rawServer accepts one client on a loopback listener, answers its
// handshake with answer as Sec-WebSocket-Extensions, and writes frames
// (unmasked, as a server) after it; then it answers the client's close.
// It returns the ws:// URL.
func rawServer(t *testing.T, answer string, frames []byte) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		nc, err := ln.Accept()
		if err != nil {
			return
		}
		defer nc.Close()
		_ = nc.SetDeadline(time.Now().Add(20 * time.Second))
		req, err := http.ReadRequest(bufio.NewReader(nc))
		if err != nil {
			t.Error(err)
			return
		}
		resp := "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
			"Sec-WebSocket-Accept: " + ws.AcceptKey([]byte(req.Header.Get("Sec-WebSocket-Key"))) + "\r\n" +
			"Sec-WebSocket-Extensions: " + answer + "\r\n\r\n"
		if _, err := nc.Write(append([]byte(resp), frames...)); err != nil {
			t.Error(err)
			return
		}
		// Answer the client's close frame, and close.
		p := ws.NewParser(ws.ParserConfig{Role: ws.RoleServer, AllowedRsv: ws.Rsv1})
		buf := make([]byte, 512)
		for {
			n, err := nc.Read(buf)
			if err != nil {
				return
			}
			for in := buf[:n]; len(in) > 0; {
				used, ev, err := p.Parse(in)
				if err != nil {
					t.Error(err)
					return
				}
				in = in[used:]
				if ev.Kind == ws.EventClose {
					_, _ = nc.Write(ws.AppendFrame(nil, ws.OpClose, true, false, [4]byte{}, ws.AppendClosePayload(nil, ev.Code, "")))
					return
				}
			}
		}
	})
	t.Cleanup(func() { _ = ln.Close(); wg.Wait() })
	return "ws://" + ln.Addr().String() + "/"
}

// TestLenientPayloads: a compressed message whose payload is empty, or
// whose sender did not strip 00 00 ff ff (RFC 7692 §7.2.1), is inflated
// as zlib-based receivers such as Autobahn|Python do (append 00 00 ff ff
// and inflate, §7.2.2), and the messages after it still decode against
// the shared window; before, both failed the connection with 1007.
func TestLenientPayloads(t *testing.T) {
	hello := []byte{0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00} // RFC 7692 §7.2.3.1
	again := []byte{0xf2, 0x00, 0x11, 0x00, 0x00}             // §7.2.3.2: a copy from the window
	unstripped := append(append([]byte(nil), hello...), 0, 0, 0xff, 0xff)
	final := []byte{0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00} // §7.2.3.4: BFINAL set
	msgs := []struct {
		z    []byte
		want string
	}{
		{nil, ""},
		{hello, "Hello"},
		{nil, ""},
		{again, "Hello"},
		{unstripped, "Hello"},
		{again, "Hello"},
		{append(append([]byte(nil), final...), 0, 0, 0, 0xff, 0xff), "Hello"},
		{append(append([]byte(nil), final...), 0, 0, 0xff, 0xff), "Hello"},
		{[]byte{0, 0, 0, 0xff, 0xff}, ""}, // an empty message, unstripped
		{again, "Hello"},
	}
	var frames []byte
	for _, m := range msgs {
		frames = ws.AppendHeader(frames, ws.Header{Fin: true, Rsv: ws.Rsv1, Op: ws.OpText, Length: int64(len(m.z))})
		frames = append(frames, m.z...)
	}
	// The same, with every message in two frames.
	for _, m := range msgs {
		k := len(m.z) / 2
		frames = ws.AppendHeader(frames, ws.Header{Rsv: ws.Rsv1, Op: ws.OpText, Length: int64(k)})
		frames = append(frames, m.z[:k]...)
		frames = ws.AppendHeader(frames, ws.Header{Fin: true, Op: ws.OpContinuation, Length: int64(len(m.z) - k)})
		frames = append(frames, m.z[k:]...)
	}
	// And with every message in one frame and an empty last one, as a
	// sender that flushes each fragment sends an unstripped message.
	for _, m := range msgs {
		frames = ws.AppendHeader(frames, ws.Header{Rsv: ws.Rsv1, Op: ws.OpText, Length: int64(len(m.z))})
		frames = append(frames, m.z...)
		frames = ws.AppendHeader(frames, ws.Header{Fin: true, Op: ws.OpContinuation})
	}
	url := rawServer(t, Name, frames)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := ws.Dial(ctx, url, &ws.Options{Extensions: []ws.Extension{New(Options{})}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ws.StatusNormalClosure, "")
	for i := range 3 * len(msgs) {
		m := msgs[i%len(msgs)]
		op, got, err := c.ReadMessage(ctx)
		if err != nil || op != ws.OpText || string(got) != m.want {
			t.Fatalf("message %d (% x): %v %q %v, want %q", i, m.z, op, got, err, m.want)
		}
	}
}

// TestLenientStillRefuses: the leniency adds no other payloads: bytes
// after a final block other than the empty stored block, and a stored
// block cut short, still fail with ErrCorrupt; a bomb without its tail
// stripped is still stopped at the limit.
func TestLenientStillRefuses(t *testing.T) {
	final := []byte{0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00}
	for _, z := range [][]byte{
		append(append([]byte(nil), final...), 0, 0, 0, 0, 0xff, 0xff),
		append(append([]byte(nil), final...), 1, 0, 0, 0xff, 0xff),
		append(append([]byte(nil), final...), 0, 0, 0xff, 0xff, 0, 0, 0xff, 0xff),
		{0, 0, 0xff},
		{0, 0, 0, 0xff, 0xff, 0, 0, 0xff, 0xff},
	} {
		if out, err := newCodec(config{decBits: 15}).Decode(nil, z, true, -1); !errors.Is(err, ErrCorrupt) {
			t.Errorf("% x: %q %v, want ErrCorrupt", z, out, err)
		}
	}
	var zb bytes.Buffer
	w, _ := flate.NewWriter(&zb, flate.BestSpeed)
	_, _ = w.Write(make([]byte, 4<<20))
	_ = w.Flush() // ends with 00 00 ff ff, left there
	if _, err := newCodec(config{decBits: 15}).Decode(nil, zb.Bytes(), true, 256<<10); !errors.Is(err, ws.ErrMessageTooBig) {
		t.Errorf("unstripped bomb: %v, want ErrMessageTooBig", err)
	}
}
