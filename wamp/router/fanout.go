package router

import (
	"sync"

	"github.com/autobahn-go/autobahn/wamp"
)

// fanout delivers the EVENTs of one publication to the subscribers of one
// subscription, encoding each EVENT once per serializer: every subscriber
// whose transport sends pre-encoded messages (a wamp.EncodedSender:
// RawSocket, WebSocket on goroutines or on the event loop) is queued the
// same *wamp.Encoded, whose bytes its transport copies into its own
// output. The EVENTs of one publication to one subscription are the same
// for every subscriber: the Details (topic for a pattern, publisher
// disclosure, trust level, passthru keys) depend on the publication and
// the subscription only. The encoded EVENT's Details map is shared and
// never modified.
//
// In-process subscribers (Pipe) still get an EVENT and a Details map of
// their own each: their handlers receive the very map and may write into
// it. So do subscribers over transports that encode none, or over an
// (f.encs full) uncommon serializer, or when encoding fails (realm.deliver
// then drops and counts the EVENT for those its serializer cannot carry).
//
// Allocations per publication and subscription: the Details map, one
// Event+Encoded and the encoded bytes per serializer; none per subscriber
// on an encoding transport (its queue's slice grows only to its bound).
// The outbound queue counts the encoded size.
type fanout struct {
	rm     *realm
	p      *publication
	subID  wamp.ID
	match  string
	shared wamp.Dict // the encoded EVENTs' Details; nil until the first is encoded
	n      int
	encs   [fanoutSerializers]fanoutEnc
}

// fanoutSerializers bounds the serializers a fan-out encodes for (the
// five of wamp/serialize fit); subscribers of another one are sent an
// EVENT of their own.
const fanoutSerializers = 6

type fanoutEnc struct {
	name string
	e    *wamp.Encoded // nil: encoding failed
}

// encodedEvent is an EVENT and its encoding in one allocation.
type encodedEvent struct {
	ev  wamp.Event
	enc wamp.Encoded
}

// fanoutBufs are the scratch buffers EVENTs are encoded into before their
// exact-size copy.
var fanoutBufs = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

// deliver queues the EVENT for sb, the subscription's subscriber, under
// the realm's slow-subscriber policy.
func (f *fanout) deliver(sb *session) {
	if sb.enc != nil {
		if e := f.encoded(sb.enc); e != nil {
			f.rm.pushEvent(sb, e, len(e.Bytes))
			return
		}
	}
	f.rm.deliver(sb, f.subID, f.p, f.p.details(f.match))
}

// encoded returns the EVENT encoded with ser, encoding it on first use;
// nil when it cannot be.
func (f *fanout) encoded(ser wamp.Serializer) *wamp.Encoded {
	name := ser.Name()
	for i := range f.encs[:f.n] {
		if f.encs[i].name == name {
			return f.encs[i].e
		}
	}
	if f.n == len(f.encs) {
		return nil
	}
	if f.shared == nil {
		f.shared = f.p.details(f.match)
	}
	p := f.p
	x := &encodedEvent{ev: wamp.Event{Subscription: f.subID, Publication: p.id, Details: f.shared, Args: p.args, Kwargs: p.kwargs, Payload: p.payload}}
	bp := fanoutBufs.Get().(*[]byte)
	b, err := ser.AppendMessage((*bp)[:0], &x.ev)
	var e *wamp.Encoded
	if err == nil {
		x.enc = wamp.Encoded{Message: &x.ev, Serializer: ser, Bytes: append([]byte(nil), b...)}
		e = &x.enc
	}
	if cap(b) <= 64<<10 { // a huge EVENT's buffer is let go
		*bp = b[:0]
		fanoutBufs.Put(bp)
	}
	f.encs[f.n] = fanoutEnc{name: name, e: e}
	f.n++
	return e
}
