package ws

import (
	"context"
	"errors"
	"testing"
	"unsafe"
)

// maxConnSize is what a Conn may take: it is the per-connection object of
// every idle connection on an event loop, allocated in Go's 96-byte size
// class (the next classes down are 80 and 64; up, 112 and 128). Out of
// line, made on demand: Done's channel, SetData's value and the final error
// of a finished connection (connRare); what a message under way needs
// (readState). Shared: the Options, with what the handshake agreed on
// (negotiated: one record for a server's connections, see
// internNegotiated). In line but packed: the bools mu guards share one
// byte (connFlags), and the times keepalive reads (last input, start of
// the message under way, unanswered ping) take 32 bits each (stampClock).
const maxConnSize = 96

// TestConnSize pins the size of a Conn: a field that grows it past its
// size class costs every idle connection a class more (BenchmarkIdleConnMemory
// in ws/wsloop measures the whole).
func TestConnSize(t *testing.T) {
	if n := unsafe.Sizeof(Conn{}); n > maxConnSize {
		t.Fatalf("unsafe.Sizeof(Conn{}) = %d, want <= %d", n, maxConnSize)
	}
}

// TestOutQueueSize pins the size of a push-mode Conn's output queue, the
// other object every idle connection on an event loop carries: 32 bytes,
// a size class (the next up is 48). Its bounds are in the shared
// negotiated record, what streams, waiters and Close use in connRare.
func TestOutQueueSize(t *testing.T) {
	if n := unsafe.Sizeof(outQueue{}); n > 32 {
		t.Fatalf("unsafe.Sizeof(outQueue{}) = %d, want <= 32", n)
	}
}

// TestOutputBoundsPerConn: connections made with the same Options and
// different OutputBounds (two drivers' watermarks) each keep their own
// bounds, though they share the rest of their negotiated record's key.
func TestOutputBoundsPerConn(t *testing.T) {
	small, _ := newPushServer(t, OutputBounds{High: 1000})
	large, _ := newPushServer(t, OutputBounds{High: 100_000})
	other, _ := newPushServer(t, OutputBounds{High: 1000})
	if small.negotiated != other.negotiated {
		t.Error("connections with the same Options and bounds do not share their record")
	}
	ctx := context.Background()
	for _, c := range []*Conn{small, large} {
		if err := c.WriteMessage(ctx, OpBinary, make([]byte, 1500)); err != nil {
			t.Fatal(err)
		}
	}
	// 1,504 bytes pending: past 1,000 (small's high watermark), so one
	// more message beyond twice it is refused; large takes it.
	if err := small.WriteMessage(ctx, OpBinary, make([]byte, 600)); !errors.Is(err, ErrQueueFull) {
		t.Errorf("small bounds: %v, want ErrQueueFull", err)
	}
	if err := large.WriteMessage(ctx, OpBinary, make([]byte, 600)); err != nil {
		t.Errorf("large bounds: %v", err)
	}
}

// idleHandler counts the messages a push-mode Conn delivers.
type idleHandler struct {
	BaseHandler
	msgs []string
}

func (h *idleHandler) OnMessage(_ *Conn, _ Opcode, p []byte) { h.msgs = append(h.msgs, string(p)) }

// TestPushIdleHoldsNoReadState: a push-mode Conn holds no readState (no
// Parser, message buffer, budget charge) while idle: not before its first
// input, not after a message of one frame, and not after a fragmented
// message that came in pieces — but it does while that message is under
// way, in whatever pieces its input comes.
func TestPushIdleHoldsNoReadState(t *testing.T) {
	budget := NewMemoryBudget(0)
	f := &fakeOutput{}
	pc := NewPushConn(f, RoleServer, Negotiated{}, &Options{PingInterval: -1, MemoryBudget: budget}, OutputBounds{})
	c := pc.Conn()
	t.Cleanup(func() { _ = c.CloseNow() })
	h := &idleHandler{}
	idle := func(when string) {
		t.Helper()
		if c.readState != nil {
			t.Fatalf("%s: the idle Conn holds a readState %+v", when, *c.readState)
		}
		if budget.Used() != 0 {
			t.Fatalf("%s: %d bytes charged to the budget", when, budget.Used())
		}
	}
	idle("new")

	if !pc.Feed(rawFrame(true, OpBinary, 5), h) {
		t.Fatal("closed after a message of one frame")
	}
	idle("after a message of one frame")

	first := rawFrame(false, OpBinary, 300)
	if !pc.Feed(first[:3], h) { // a piece of the header
		t.Fatal("closed after a piece of a header")
	}
	if c.readState == nil || c.parser == nil {
		t.Fatal("a frame under way holds no Parser")
	}
	if !pc.Feed(first[3:], h) {
		t.Fatal("closed after the first fragment")
	}
	if c.readState == nil || c.msg == nil || budget.Used() == 0 {
		t.Fatal("a fragmented message under way holds no buffer or charge")
	}
	last := rawFrame(true, OpContinuation, 20)
	for i := range last { // a byte at a time
		if !pc.Feed(last[i:i+1], h) {
			t.Fatalf("closed at byte %d of the last fragment", i)
		}
	}
	idle("after a fragmented message")

	if len(h.msgs) != 2 || len(h.msgs[0]) != 5 || len(h.msgs[1]) != 320 {
		t.Fatalf("delivered %d messages, want 2 (5 and 320 bytes)", len(h.msgs))
	}
	pc.FeedEnd(h, ErrClosed)
	if c.readState != nil {
		t.Fatal("an ended idle Conn holds a readState")
	}
}

// resumeOutput is a push driver that decodes off the loop (offloadDriver):
// ResumeFeed signals resumed.
type resumeOutput struct {
	fakeOutput
	resumed chan struct{}
}

func (r *resumeOutput) PauseRead()  {}
func (r *resumeOutput) ResumeRead() {}
func (r *resumeOutput) ResumeFeed() { r.resumed <- struct{}{} }

// TestPushIdleAfterOffload: a message decoded off the loop (a piece over
// InlineDecodeMax) keeps the readState while the decoding goroutine owns
// it, and leaves none once Resume delivered it.
func TestPushIdleAfterOffload(t *testing.T) {
	out := &resumeOutput{resumed: make(chan struct{}, 1)}
	pc := NewPushConn(out, RoleServer, Negotiated{Extensions: "x-test-rle", Codec: &rleCodec{}}, &Options{PingInterval: -1}, OutputBounds{})
	c := pc.Conn()
	t.Cleanup(func() { _ = c.CloseNow() })
	h := &idleHandler{}
	var enc []byte
	for i := range 600 { // 1,200 bytes encoded: decoded off the loop
		enc = append(enc, 1, 'a'+byte(i%2))
	}
	frame := AppendFrame(nil, OpBinary, true, true, [4]byte{1, 2, 3, 4}, enc)
	frame[0] |= Rsv1 << 4
	if !pc.Feed(frame, h) {
		t.Fatal("closed by an encoded message")
	}
	<-out.resumed
	if !pc.Resume(h) {
		t.Fatal("closed after decoding")
	}
	if len(h.msgs) != 1 || len(h.msgs[0]) != 600 {
		t.Fatalf("delivered %d messages, want one of 600 bytes", len(h.msgs))
	}
	if c.readState != nil {
		t.Fatalf("the idle Conn holds a readState %+v after an offloaded message", *c.readState)
	}
}

// BenchmarkPushFeed is the event loop's work for one small message of an
// otherwise idle push-mode connection, without the sockets: Feed (which
// takes the readState and Parser and gives them back), the echo queued,
// its output taken and given back.
func BenchmarkPushFeed(b *testing.B) {
	pc := NewPushConn(&fakeOutput{}, RoleServer, Negotiated{}, &Options{PingInterval: -1}, OutputBounds{})
	defer pc.Conn().CloseNow()
	frame := rawFrame(true, OpBinary, 32)
	in := make([]byte, len(frame))
	h := newEcho()
	b.ReportAllocs()
	for b.Loop() {
		copy(in, frame) // Feed unmasks in place
		if !pc.Feed(in, h) {
			b.Fatal("closed")
		}
		PutOutput(pc.TakeOutput())
		pc.OutputSent(0)
	}
}

// TestConnRareOnDemand: an idle push-mode Conn carries no connRare until
// Done or SetData asks for it; then Data returns what was set, and Done's
// channel closes when the connection ends, whether it was made before or
// after that.
func TestConnRareOnDemand(t *testing.T) {
	pc := NewPushConn(&fakeOutput{}, RoleServer, Negotiated{}, &Options{PingInterval: -1}, OutputBounds{})
	c := pc.Conn()
	t.Cleanup(func() { _ = c.CloseNow() })
	c.SetData(nil)
	if c.rare.Load() != nil || c.Data() != nil {
		t.Fatal("an idle Conn made its connRare before Done or SetData")
	}
	c.SetData("state")
	if c.Data() != "state" {
		t.Fatalf("Data() = %v, want state", c.Data())
	}
	done := c.Done()
	select {
	case <-done:
		t.Fatal("Done closed before the connection ended")
	default:
	}
	_ = c.CloseNow()
	<-done
	if c.Data() != "state" {
		t.Fatalf("Data() after close = %v, want state", c.Data())
	}

	pc2 := NewPushConn(&fakeOutput{}, RoleServer, Negotiated{Data: 7}, &Options{PingInterval: -1}, OutputBounds{})
	c2 := pc2.Conn()
	if c2.Data() != 7 {
		t.Fatalf("Data() from Negotiated = %v, want 7", c2.Data())
	}
	_ = c2.CloseNow()
	<-c2.Done() // made after the end: closed already
}
