package deflate

import (
	"bytes"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"

	kflate "github.com/klauspost/compress/flate"

	"github.com/autobahn-go/autobahn/eventloop"
	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/ext/internal/exttest"
	"github.com/autobahn-go/autobahn/ws/wsloop"
)

// loopCountExt is permessage-deflate whose decoding counts the bytes it
// inflated on the loop's goroutine (the one that ran OnOpen).
type loopCountExt struct {
	ws.Extension
	loop   atomic.Pointer[string]
	onLoop atomic.Int64
}

func (e *loopCountExt) Accept(offers []ws.ExtensionOffer) (ws.ExtensionOffer, ws.Codec, bool, error) {
	answer, codec, ok, err := e.Extension.Accept(offers)
	return answer, loopCountCodec{codec, e}, ok, err
}

type loopCountCodec struct {
	ws.Codec
	e *loopCountExt
}

func (c loopCountCodec) Decode(dst, p []byte, final bool, limit int64) ([]byte, error) {
	n := len(dst)
	out, err := c.Codec.Decode(dst, p, final, limit)
	if l := c.e.loop.Load(); l != nil && *l == goroutineID() {
		c.e.onLoop.Add(int64(len(out) - n))
	}
	return out, err
}

func goroutineID() string {
	var b [64]byte
	return strings.Fields(string(b[:runtime.Stack(b[:], false)]))[1]
}

// sizeCheck closes each connection after its first message: 1000 if it
// has want bytes, 1003 if not.
type sizeCheck struct {
	ws.BaseHandler
	ext  *loopCountExt
	want int
}

func (h sizeCheck) OnOpen(*ws.Conn) {
	id := goroutineID()
	h.ext.loop.Store(&id)
}

func (h sizeCheck) OnMessage(c *ws.Conn, _ ws.Opcode, p []byte) {
	code := ws.StatusNormalClosure
	if len(p) != h.want {
		code = ws.StatusUnsupportedData
	}
	_ = c.Close(code, "")
}

// TestReview15LoopInflateFragments: a deflate bomb sent in fragments of
// 1000 bytes (each under InlineDecodeMax) is inflated off the event loop,
// as the same message sent whole is: the loop inflates at most what
// InlineDecodeMax compressed bytes make. Deflate keeps a message's pieces
// and inflates it all with the last one, which is small: the whole
// message, 4 MiB here (up to MaxMessagePayload), was inflated on the
// loop, in one callback, and every other connection on it waited.
func TestReview15LoopInflateFragments(t *testing.T) {
	const size = 4 << 20
	var zb bytes.Buffer
	w, _ := kflate.NewWriter(&zb, 9)
	_, _ = w.Write(make([]byte, size))
	_ = w.Flush()
	z := bytes.TrimSuffix(zb.Bytes(), []byte{0, 0, 0xff, 0xff})

	ext := &loopCountExt{Extension: New(Options{})}
	srv := &wsloop.Server{Handler: sizeCheck{ext: ext, want: size}, Config: eventloop.Config{Loops: 1},
		Options: &ws.Options{PingInterval: -1, MaxMessagePayload: 2 * size, Extensions: []ws.Extension{ext}}}
	url := startLoop(t, srv)
	hs, ps := fragments(z, 1000)
	if got := exttest.RawFrames(t, url, Name, hs, ps); got != ws.StatusNormalClosure {
		t.Fatalf("closed with %v, want 1000 (the message arrived whole)", got)
	}
	if ext.loop.Load() == nil {
		t.Fatal("OnOpen did not run")
	}
	// DEFLATE makes at most 258 bytes of 2 bits (1032:1).
	if got, bound := ext.onLoop.Load(), int64(1032*ws.InlineDecodeMax); got > bound {
		t.Errorf("%d of the message's %d bytes inflated on the loop, want at most %d", got, size, bound)
	}
}
