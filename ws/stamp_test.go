package ws

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"net"
	"testing"
	"time"
)

// TestStampClock: a stamp's 32 bits give back its time, rounded down to
// the unit, whichever side of a wrap of the 32 bits the stamp and the
// check fall, for checks up to 2^31 units away (at least 8 spans later);
// the unit is the smallest power of two of at least 2^20 ns that keeps
// the span under 2^28 units; a msgStart stamp is never 0.
func TestStampClock(t *testing.T) {
	for _, span := range []time.Duration{0, time.Microsecond, 15 * time.Second, 45 * time.Second, 72 * time.Hour, 30 * 24 * time.Hour, 1<<63 - 1} {
		k := clockForSpan(span)
		u := k.unit()
		if u < 1<<20 || span>>k >= 1<<28 || k > 20 && span>>(k-1) < 1<<28 {
			t.Fatalf("span %v: unit %v", span, u)
		}
		if span <= 72*time.Hour && k != 20 {
			t.Fatalf("span %v: unit %v, want 2^20 ns", span, u)
		}
		sents := []time.Time{time.Unix(1_700_000_000, 123_456_789)}
		if 32+k <= 61 {
			// Near a wrap of the 32 bits (one after the first time).
			period := int64(1) << (32 + k)
			wrap := time.Unix(0, (sents[0].UnixNano()/period+1)*period)
			sents = append(sents, wrap.Add(-u/2), wrap.Add(-3*u), wrap, wrap.Add(u/3))
			if s, m := k.stamp(wrap.Add(u/3)), k.msgStamp(wrap.Add(u/3)); s != 0 || m != 1 {
				t.Fatalf("span %v: at a wrap, stamp %d and msgStamp %d, want 0 and 1", span, s, m)
			}
			if d := k.time(1, wrap).Sub(wrap.Add(u / 3)); d <= 0 || d > u {
				t.Fatalf("span %v: a msgStart stamped 1 for 0 stands for %v later, want (0, %v]", span, d, u)
			}
		}
		for _, sent := range sents {
			s := k.stamp(sent)
			if m := k.msgStamp(sent); m == 0 || s != 0 && m != s {
				t.Fatalf("span %v: msgStamp %d, stamp %d", span, m, s)
			}
			for _, units := range []int64{0, 1, 7, int64(span >> k), 8 * int64(span>>k), 1<<31 - 1, -5, -1 << 31} {
				age := time.Duration(units) << k
				if age>>k != time.Duration(units) || sent.UnixNano()+int64(age) < 0 || age > 0 && sent.UnixNano()+int64(age) < sent.UnixNano() {
					continue // past int64's nanoseconds
				}
				got := k.time(s, sent.Add(age))
				if d := sent.Sub(got); d < 0 || d >= u {
					t.Fatalf("span %v, sent %v, %v later: time %v (%v before it)", span, sent.UnixNano(), age, got.UnixNano(), d)
				}
				if k.stamp(got) != s {
					t.Fatalf("span %v: the time given back stamps as %d, want %d", span, k.stamp(got), s)
				}
			}
		}
	}
}

var kaNames = [...]string{kaWait: "wait", kaWaitPong: "wait for the pong", kaPing: "ping", kaPingTimeout: "ping timeout", kaMessageTimeout: "message timeout"}

// TestKeepalivePlanStamps runs keepalive checks (kaPlan) on stamps taken
// near a wrap of their 32 bits and with long intervals and timeouts, at
// times around each deadline and up to 2^30 units late: a ping, a ping
// timeout or a message timeout never comes more than one unit early and
// is never missed, the next check is due within a unit of the deadline,
// an answer in the ping's own unit counts, and a ping never shares its
// unit with the input before it (which would then count as its answer).
func TestKeepalivePlanStamps(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 96))
	for _, oo := range []*Options{
		{}, // the defaults: 30 s, 15 s, 60 s
		{PingInterval: time.Microsecond, PingTimeout: time.Microsecond, MessageTimeout: time.Microsecond}, // under a unit
		{PingInterval: 3 * time.Millisecond, PingTimeout: 2 * time.Millisecond, MessageTimeout: 5 * time.Millisecond},
		{PingInterval: 100 * 24 * time.Hour, PingTimeout: time.Second, MessageTimeout: time.Hour},
		{PingInterval: time.Second, PingTimeout: 300 * 24 * time.Hour, MessageTimeout: 5 * time.Second},
		{PingInterval: time.Second, PingTimeout: time.Second, MessageTimeout: 60 * 24 * time.Hour},
		{PingInterval: time.Second, PingTimeout: time.Second, MessageTimeout: 1 << 61},
		{PingInterval: 1 << 62, PingTimeout: 1 << 62, MessageTimeout: -1}, // their sum overflows
	} {
		o := oo.Resolve()
		k := clockFor(o)
		u := k.unit()
		interval, timeout, mt := o.PingInterval, o.PingTimeout, o.MessageTimeout
		span := o.PingInterval + o.PingTimeout
		if span < 0 {
			span = math.MaxInt64
		}
		span = max(span, mt)
		// How late a check may come: two spans, and at least 2^50 ns (13
		// days); within int64 from here.
		reach := min(max(2*span, 1<<50), 1<<61)
		if span > reach {
			reach = 1 << 61
		}
		// offsets returns times around each of ds, and random ones, up to reach.
		offsets := func(ds ...time.Duration) []time.Duration {
			out := []time.Duration{0, 1, u - 1, u, reach}
			for _, d := range ds {
				for _, e := range []time.Duration{-2 * u, -u - 1, -u, -u + 1, -1, 0, 1, u - 1, u, u + 1, 2 * u} {
					out = append(out, d+e)
				}
			}
			for range 64 {
				out = append(out, time.Duration(rng.Int64N(int64(reach))))
			}
			return out
		}
		starts := []time.Time{time.Unix(1_700_000_000, 123_456_789)}
		if 32+k <= 61 {
			period := int64(1) << (32 + k)
			wrap := (starts[0].UnixNano()/period + 1) * period
			for _, before := range []time.Duration{0, u / 2, interval, timeout, mt, min(reach, 1<<31<<k-interval-timeout)} {
				if before >= 0 && int64(before) < wrap {
					starts = append(starts, time.Unix(0, wrap-int64(before)))
				}
			}
		}
		for _, t0 := range starts {
			name := func(what string, now, from time.Time) string {
				return fmt.Sprintf("%s (Options %v/%v/%v, unit %v, t0 %d, %v after)", what, oo.PingInterval, oo.PingTimeout, oo.MessageTimeout, u, t0.UnixNano(), now.Sub(from))
			}
			// idle: the last input at in; no ping unanswered (or one
			// answered by that input).
			idle := func(in time.Time, pinged bool, pingSent uint32) {
				last := k.stamp(in)
				for _, off := range offsets(interval) {
					if off < 0 || off > reach {
						continue
					}
					now := in.Add(off)
					act, next := kaPlan(o, k, now, last, pinged, pingSent, 0)
					switch {
					case act == kaPingTimeout || act == kaWaitPong || act == kaMessageTimeout:
						t.Fatalf("%s: %s", name("idle", now, in), kaNames[act])
					case act == kaPing && k.stamp(now) == last:
						t.Fatalf("%s: a ping in the unit of the last input", name("idle", now, in))
					case act == kaPing && off < interval-u:
						t.Fatalf("%s: a ping before PingInterval %v", name("idle", now, in), interval)
					case act == kaPing && next != timeout:
						t.Fatalf("%s: the next check after a ping in %v", name("idle", now, in), next)
					case act == kaWait && off >= interval+u:
						t.Fatalf("%s: no ping after PingInterval %v", name("idle", now, in), interval)
					case act == kaWait && (next <= 0 || now.Add(next).Before(in.Add(interval-u)) || now.Add(next).After(in.Add(interval+2*u))):
						t.Fatalf("%s: the next check in %v", name("idle", now, in), next)
					}
				}
			}
			idle(t0, false, 0)

			// A ping after the input at t0 (a unit later at least: see
			// kaPlan), unanswered.
			p := t0.Add(max(interval, u))
			if p.UnixNano() < 0 || p.UnixNano() > 1<<62 {
				continue
			}
			for _, off := range offsets(timeout) {
				if off < 0 || off > reach {
					continue
				}
				now := p.Add(off)
				act, next := kaPlan(o, k, now, k.stamp(t0), true, k.stamp(p), 0)
				switch {
				case off >= timeout && act != kaPingTimeout:
					t.Fatalf("%s: %s, want a ping timeout", name("unanswered", now, p), kaNames[act])
				case off < timeout-u && act != kaWaitPong:
					t.Fatalf("%s: %s before PingTimeout %v", name("unanswered", now, p), kaNames[act], timeout)
				case act == kaWaitPong && (now.Add(next).Before(p.Add(timeout-u)) || now.Add(next).After(p.Add(timeout))):
					t.Fatalf("%s: the next check in %v", name("unanswered", now, p), next)
				}
			}
			// Answered: by a pong in the ping's unit, or later.
			for _, r := range []time.Duration{0, 1, u / 2, u - 1, u, timeout / 2, timeout - 1} {
				if r >= 0 && r <= reach {
					idle(p.Add(r), true, k.stamp(p))
				}
			}

			// A message begun at m, input going on.
			if mt <= 0 {
				continue
			}
			for _, m := range []time.Time{t0, t0.Add(u / 3), t0.Add(time.Duration(rng.Int64N(int64(max(interval, u)))))} {
				start := k.msgStamp(m)
				for _, off := range offsets(mt) {
					if off < 0 || off > reach {
						continue
					}
					now := m.Add(off)
					act, next := kaPlan(o, k, now, k.stamp(now), false, 0, start)
					switch {
					case off >= mt+u && act != kaMessageTimeout:
						t.Fatalf("%s: %s, want a message timeout", name("message", now, m), kaNames[act])
					case off < mt-u && act == kaMessageTimeout:
						t.Fatalf("%s: a message timeout before MessageTimeout %v", name("message", now, m), mt)
					case act != kaMessageTimeout && now.Add(next).After(m.Add(mt+u)):
						t.Fatalf("%s: the next check in %v, past MessageTimeout %v", name("message", now, m), next, mt)
					}
				}
			}
		}
	}
}

// TestPullLastInput: pull mode keeps the time of the last input in full
// (pullState.lastIn) besides lastRead's stamp, and awaitHot's read
// deadline counts from it, as it did from lastRead in nanoseconds: from
// the Conn's making before any input, from the last read after.
func TestPullLastInput(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	peer, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	nc, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	before := time.Now().UnixNano()
	c := NewConn(nc, RoleServer, nil, Negotiated{}, &Options{PingInterval: -1})
	made := time.Now().UnixNano()
	defer c.CloseNow()
	if c.p.rc == nil {
		t.Skip("no raw reads here")
	}
	const d = time.Hour
	check := func(what string, from, to int64) {
		t.Helper()
		if in := c.p.lastIn; in < from || in > to {
			t.Fatalf("%s: last input at %d, want within [%d, %d]", what, in, from, to)
		}
		if got := c.clock.time(c.lastRead.Load(), time.Unix(0, to)).UnixNano(); got > c.p.lastIn || c.p.lastIn-got >= int64(c.clock.unit()) {
			t.Fatalf("%s: lastRead stands for %d, last input %d", what, got, c.p.lastIn)
		}
	}
	check("made", before, made)
	// The first wait: the deadline is an hour after the making.
	last := c.p.lastIn
	go func() { _, _ = peer.Write(rawFrame(true, OpBinary, 3)) }()
	if !c.awaitHot(d) || c.p.hotDL != last+int64(d) {
		t.Fatalf("awaitHot: deadline %d, want %d", c.p.hotDL, last+int64(d))
	}
	check("after the first input", before, time.Now().UnixNano())
	if _, _, err := c.ReadMessage(context.Background()); err != nil {
		t.Fatal(err)
	}
	// The next wait (the read of the next message cleared the deadline):
	// an hour after the last input.
	sent := time.Now().UnixNano()
	if _, err := peer.Write(rawFrame(true, OpBinary, 4)); err != nil {
		t.Fatal(err)
	}
	if _, msg, err := c.ReadMessage(context.Background()); err != nil || len(msg) != 4 {
		t.Fatalf("read %d bytes, %v", len(msg), err)
	}
	check("after the second input", sent, time.Now().UnixNano())
	last = c.p.lastIn
	go func() { _, _ = peer.Write(rawFrame(true, OpBinary, 5)) }()
	if !c.awaitHot(d) || c.p.hotDL != last+int64(d) {
		t.Fatalf("awaitHot: deadline %d, want %d", c.p.hotDL, last+int64(d))
	}
}
