package ws

import (
	"bytes"
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

// loopCountCodec is a codec whose decoding counts the bytes it produced
// on the goroutine loop (the test's, which plays the event loop).
type loopCountCodec struct {
	Codec
	loop   string
	onLoop atomic.Int64
}

func (c *loopCountCodec) Decode(dst, p []byte, final bool, limit int64) ([]byte, error) {
	n := len(dst)
	out, err := c.Codec.Decode(dst, p, final, limit)
	if gid() == c.loop {
		c.onLoop.Add(int64(len(out) - n))
	}
	return out, err
}

// feedAll feeds in to pc as one read and plays the driver's loop (Resume
// after each ResumeFeed) until the connection stops decoding off the loop.
// It returns the most bytes codec decoded on the loop in one call.
func feedAll(t *testing.T, pc PushConn, out *resumeOutput, h Handler, codec *loopCountCodec, in []byte) (most int64) {
	t.Helper()
	call := func(f func() bool) {
		before := codec.onLoop.Load()
		if !f() {
			t.Fatal("closed while feeding")
		}
		most = max(most, codec.onLoop.Load()-before)
	}
	call(func() bool { return pc.Feed(in, h) })
	for {
		pc.c.rmu.Lock()
		busy := pc.c.readState != nil && pc.c.off != nil
		pc.c.rmu.Unlock()
		if !busy {
			return most
		}
		select {
		case <-out.resumed:
		case <-time.After(10 * time.Second):
			t.Fatal("no ResumeFeed after decoding off the loop")
		}
		call(func() bool { return pc.Resume(h) })
	}
}

// newLoopCountConn is a push-mode server Conn with inner, counted,
// whose driver decodes off the loop; the calling goroutine is its loop.
func newLoopCountConn(t *testing.T, inner Codec) (PushConn, *resumeOutput, *loopCountCodec) {
	codec := &loopCountCodec{Codec: inner, loop: gid()}
	out := &resumeOutput{resumed: make(chan struct{}, 1)}
	pc := NewPushConn(out, RoleServer, Negotiated{Extensions: "x-test-rle", Codec: codec}, &Options{PingInterval: -1, MaxMessagePayload: 64 << 20}, OutputBounds{})
	t.Cleanup(func() { _ = pc.Conn().CloseNow() })
	return pc, out, codec
}

// rleFrames appends a message of n frames, each payload p, encoded.
func rleFrames(dst []byte, n int, p []byte) []byte {
	for i := range n {
		op := OpContinuation
		if i == 0 {
			op = OpBinary
		}
		f := AppendFrame(nil, op, i == n-1, true, [4]byte{1, 2, 3, 4}, p)
		if i == 0 {
			f[0] |= Rsv1 << 4
		}
		dst = append(dst, f...)
	}
	return dst
}

// wholeCodec decodes a message with its inner codec only once it has all
// of it, as deflate does: pieces before the last are kept.
type wholeCodec struct {
	Codec
	in []byte
}

func (c *wholeCodec) Decode(dst, p []byte, final bool, limit int64) ([]byte, error) {
	c.in = append(c.in, p...)
	if !final {
		return dst, nil
	}
	in := c.in
	c.in = nil
	return c.Codec.Decode(dst, in, true, limit)
}

// TestReview15InlineDecodePerMessage: a compressed message that comes in
// many fragments of at most InlineDecodeMax bytes each is decoded on the
// loop only as far as its first InlineDecodeMax compressed bytes go; the
// rest is decoded off the loop. The rule looked at each piece alone, and a
// pass over the input started from zero (each read, each Resume after a
// piece decoded off the loop): a codec that decodes piece by piece
// decoded most of such a message on the loop, and one that decodes the
// message whole with its last piece (deflate) all of it, in one callback,
// up to MaxMessagePayload: the loop's time taken from every other
// connection on it.
func TestReview15InlineDecodePerMessage(t *testing.T) {
	piece := bytes.Repeat([]byte{255, 'a'}, 500) // decodes to 127.5 KiB
	const pieces = 40
	for _, whole := range []bool{false, true} {
		var codec Codec = &rleCodec{}
		if whole {
			codec = &wholeCodec{Codec: codec}
		}
		pc, out, count := newLoopCountConn(t, codec)
		h := &idleHandler{}
		in := rleFrames(nil, pieces, piece)
		in = append(in, AppendFrame(nil, OpText, true, true, [4]byte{5, 6, 7, 8}, []byte("after"))...)
		feedAll(t, pc, out, h, count, in)

		want := pieces * len(piece) / 2 * 255
		if len(h.msgs) != 2 || len(h.msgs[0]) != want || h.msgs[1] != "after" {
			t.Fatalf("whole %v: delivered %d messages, want %d bytes and then \"after\"", whole, len(h.msgs), want)
		}
		if got, bound := count.onLoop.Load(), int64(len(piece)/2*255); got > bound {
			t.Errorf("whole %v: %d of the message's %d bytes decoded on the loop, want at most %d", whole, got, want, bound)
		}
	}
}

// TestReview15InlineDecodePerPass: one read of many small compressed
// messages in ten fragments each is decoded on the loop only until the
// pass decoded InlineDecodeOutput bytes (plus one fragment's output); the
// rest goes off the loop. The pass counted a fragment that did not end its
// message as minus what the message had before it, so the count went down
// as such messages came: the whole read, 3.8 MB here, was decoded in one
// callback of the loop.
func TestReview15InlineDecodePerPass(t *testing.T) {
	pc, out, count := newLoopCountConn(t, &rleCodec{})
	h := &idleHandler{}
	piece := bytes.Repeat([]byte{255, 'a'}, 50) // decodes to 12,750 bytes
	const msgs, pieces = 30, 10
	var in []byte
	for range msgs {
		in = rleFrames(in, pieces, piece)
	}
	most := feedAll(t, pc, out, h, count, in)
	if len(h.msgs) != msgs {
		t.Fatalf("delivered %d messages, want %d", len(h.msgs), msgs)
	}
	for i, m := range h.msgs {
		if len(m) != pieces*len(piece)/2*255 {
			t.Fatalf("message %d has %d bytes", i, len(m))
		}
	}
	if bound := int64(InlineDecodeOutput + len(piece)/2*255); most > bound {
		t.Errorf("%d bytes decoded in one call on the loop, want at most %d", most, bound)
	}
}

// TestReview15OffloadBacklogLinear: a message in many tiny fragments, each
// decoded off the loop, costs the loop work in proportion to its input.
// Each piece handed to the pool copied the rest of the input for later,
// and the next piece of that rest copied what was left again: for a read
// of 64 KiB of 8-byte frames, some 230 MB copied on the loop (quadratic in
// the read). (Any piece of a costly codec's message, bzip2's, was decoded
// off the loop already; now so is every piece past a message's first
// InlineDecodeMax bytes.)
func TestReview15OffloadBacklogLinear(t *testing.T) {
	pc, out, count := newLoopCountConn(t, &rleCodec{})
	h := &idleHandler{}
	in := rleFrames(nil, 8<<10, []byte{1, 'a'})
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	feedAll(t, pc, out, h, count, in)
	runtime.ReadMemStats(&after)
	if len(h.msgs) != 1 || len(h.msgs[0]) != 8<<10 {
		t.Fatalf("delivered %d messages, want one of %d bytes", len(h.msgs), 8<<10)
	}
	// Each piece sent off the loop allocates a few hundred bytes (more
	// with -race); the copies made 4,000 per byte of input.
	if got, bound := after.TotalAlloc-before.TotalAlloc, uint64(256*len(in)); got > bound {
		t.Errorf("%d bytes allocated for %d bytes of input, want at most %d", got, len(in), bound)
	}
}
