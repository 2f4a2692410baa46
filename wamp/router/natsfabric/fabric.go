package natsfabric

import (
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/router"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nuid"
)

// Defaults of Options.
const (
	DefaultHeartbeat  = time.Second
	DefaultMaxPending = 1 << 16
)

// Options configure a Fabric.
type Options struct {
	// Heartbeat is how often the router announces its registrations;
	// zero means DefaultHeartbeat.
	Heartbeat time.Duration
	// TTL is how long another router's registrations are kept without
	// an announcement from it; zero (or not above Heartbeat) means
	// 3 × Heartbeat. A router that
	// stopped without saying so (crashed, cut off) loses its
	// registrations on the others within TTL + Heartbeat of its last
	// announcement (3 × Heartbeat at least); one that closed its Fabric
	// loses them at once. A pause of this router's own (its
	// process stalled, its NATS messages not read) is not the others'
	// silence: while connected, a router is forgotten only once
	// TTL / Heartbeat (two at least) of this router's own announcements
	// came back from the NATS server after its last one, or it was
	// silent for 10 × TTL. A connection with nats.NoEcho gets none of
	// its own back: on it a router is forgotten past the TTL, a stall of
	// this router's own included (Start logs a warning).
	TTL time.Duration
	// MaxPending bounds the calls in flight from this router to others;
	// past it a call to a remote callee fails over to the next callee,
	// or ends with wamp.error.no_available_callee. Zero means
	// DefaultMaxPending.
	MaxPending int
	// Logger receives the fabric's diagnostics; nil discards them.
	Logger *slog.Logger
	// JetStream keeps retained events and event histories for the
	// whole cluster on the NATS server's JetStream (retain.go,
	// history.go). Off by default: each router keeps its own. When set
	// and the NATS server has no JetStream for the connection, Start
	// (router.New) fails with an error that says so.
	JetStream bool
	// RetainedBytes bounds the JetStream stream of retained events (of
	// every realm and router); past it the oldest go. Zero means
	// DefaultRetainedBytes.
	RetainedBytes int64
}

// Fabric federates one router with the others on a NATS connection
// (router.Config.Fabric). It is safe for concurrent use. The connection
// stays the caller's: Close does not close it.
type Fabric struct {
	nc   *nats.Conn
	opts Options
	node string
	log  *slog.Logger

	link    *router.FabricLink
	subs    []*nats.Subscription
	ev      interest      // events.go: publication subjects
	ms      sessions      // meta.go: the other routers' sessions
	js      *jsState      // retain.go: nil without Options.JetStream
	changed chan struct{} // buffer 1: the local registrations changed
	stop    chan struct{}
	wg      sync.WaitGroup

	// pmu guards the calls in flight to other routers, by reply token.
	// Lock order: a realm's lock, then pmu.
	pmu     sync.Mutex
	pending map[uint64]*router.FabricCall
	outs    map[*router.FabricCall]*outCall // progress.go: the same calls
	next    uint64
	closed  bool
	epoch   uint64 // the connection's reconnects when last checked (progress.go)

	// smu guards the calls from other routers not answered yet.
	// Lock order: a realm's lock, then smu.
	smu    sync.Mutex
	served map[string]*inCall // by reply subject (progress.go)
	refuse bool               // Close: calls from other routers are refused

	// nmu guards the other routers' table and orders the changes to
	// their RemoteCallees. Lock order: nmu, then a realm's lock.
	nmu     sync.Mutex
	nodes   map[string]*peer
	seq     uint64
	echoes  uint64 // this router's announcements heard back (peers.go)
	stopped bool
}

// peer is another router as its announcements describe it.
type peer struct {
	seen    time.Time
	echoes  uint64 // Fabric.echoes when seen
	seq     uint64
	callees map[calleeKey]*router.RemoteCallee
}

type calleeKey struct {
	realm wamp.URI
	reg   router.FabricRegistration
}

// New returns a Fabric on nc, to be set as router.Config.Fabric (one
// Fabric per router).
func New(nc *nats.Conn, opts Options) *Fabric {
	if opts.Heartbeat <= 0 {
		opts.Heartbeat = DefaultHeartbeat
	}
	if opts.TTL <= opts.Heartbeat {
		opts.TTL = 3 * opts.Heartbeat
	}
	if opts.MaxPending <= 0 {
		opts.MaxPending = DefaultMaxPending
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	node := nuid.Next()
	f := &Fabric{
		nc: nc, opts: opts, node: node, log: log.With("node", node),
		changed: make(chan struct{}, 1), stop: make(chan struct{}),
		pending: map[uint64]*router.FabricCall{}, outs: map[*router.FabricCall]*outCall{},
		served: map[string]*inCall{}, nodes: map[string]*peer{},
	}
	f.ev = interest{ch: make(chan *nats.Msg, eventQueue), kick: make(chan struct{}, 1), subjects: map[string]*subjectSub{}}
	f.ms.init(opts.TTL)
	return f
}

// Node returns the fabric's name for this router: unique per Fabric.
func (f *Fabric) Node() string { return f.node }

func (f *Fabric) callSubject(node string) string { return controlPrefix + node + ".call" }
func (f *Fabric) replyPrefix() string            { return f.callerReplyPrefix(f.node) }

// callerReplyPrefix is the start of the reply subjects of node's calls.
func (f *Fabric) callerReplyPrefix(node string) string { return controlPrefix + node + ".reply." }

const (
	announceSubject = controlPrefix + "announce"
	syncSubject     = controlPrefix + "sync"
)

// Start implements router.Fabric: it subscribes to the router's realms
// and control subjects, announces the router and asks the others to.
func (f *Fabric) Start(link *router.FabricLink) error {
	if f.link != nil {
		return errors.New("natsfabric: a Fabric serves one router")
	}
	f.link = link
	sub := func(subject string, h nats.MsgHandler) error {
		s, err := f.nc.Subscribe(subject, h)
		if err != nil {
			return err
		}
		f.subs = append(f.subs, s)
		return nil
	}
	f.startInterest() // events.go
	for _, s := range []struct {
		subject string
		h       nats.MsgHandler
	}{
		{f.callSubject(f.node), f.onCall},
		{f.replyPrefix() + "*", f.onReply},
		{announceSubject, f.onAnnounce},
		{syncSubject, f.onSync},
		{sessionsSubject, f.onSessions}, // meta.go
	} {
		if err := sub(s.subject, s.h); err != nil {
			return f.unsubscribe(err)
		}
	}
	if err := f.nc.Flush(); err != nil {
		return f.unsubscribe(err)
	}
	if err := f.startJetStream(); err != nil { // retain.go
		return f.unsubscribe(err)
	}
	if f.nc.Opts.NoEcho {
		f.log.Warn("natsfabric: the NATS connection has NoEcho: this router does not hear its own announcements, " +
			"and a stall of its own past the TTL makes it forget the other routers")
	}
	f.epoch = f.nc.Stats().Reconnects
	f.announce(false)
	if b, err := encodeSync(f.node); err == nil {
		f.publish(syncSubject, b)
	}
	f.wg.Add(1)
	go f.run()
	f.goEvents()   // events.go
	f.goSessions() // meta.go
	return nil
}

func (f *Fabric) unsubscribe(err error) error {
	for _, s := range f.subs {
		s.Unsubscribe()
	}
	f.subs = nil
	f.stopInterest()
	return err
}

// run announces every Heartbeat and when the local registrations
// changed, and forgets the routers not heard from within TTL.
func (f *Fabric) run() {
	defer f.wg.Done()
	t := time.NewTicker(f.opts.Heartbeat)
	defer t.Stop()
	for {
		select {
		case <-f.stop:
			return
		case <-f.changed:
			f.announce(false)
		case <-t.C:
			f.announce(false)
			f.expire(time.Now())
			f.endCallsLostInReconnect() // progress.go
		}
	}
}

func (f *Fabric) signal() {
	select {
	case f.changed <- struct{}{}:
	default:
	}
}

// publish sends b; a failure is logged (the heartbeat, TTL and call
// answers make up for a lost message).
func (f *Fabric) publish(subject string, b []byte) {
	if err := f.nc.Publish(subject, b); err != nil {
		f.log.Debug("natsfabric: publish failed", "subject", subject, "err", err)
	}
}

// announce publishes the router's registrations, every realm's, whole.
func (f *Fabric) announce(bye bool) {
	a := &announcement{node: f.node, bye: bye, regs: map[wamp.URI][]router.FabricRegistration{}}
	if !bye {
		for _, realm := range f.link.Realms() {
			if regs := f.link.Registrations(realm); len(regs) > 0 {
				a.regs[realm] = regs
			}
		}
	}
	f.nmu.Lock()
	f.seq++
	a.seq = f.seq
	f.nmu.Unlock()
	b, err := encodeAnnounce(a)
	if err != nil {
		f.log.Warn("natsfabric: registrations not announced", "err", err)
		return
	}
	f.publish(announceSubject, b)
}

// Publish implements router.Fabric: the publication goes to its subject.
func (f *Fabric) Publish(p *router.FabricPublication) {
	b, err := encodeEvent(f.node, p)
	if err != nil {
		f.log.Info("natsfabric: publication not federated", "topic", p.Topic, "err", err)
		return
	}
	subject := Subject(p.Realm, p.Topic)
	if len(subject) > maxSubject { // events.go
		f.log.Info("natsfabric: publication not federated: topic too long", "topic", p.Topic)
		return
	}
	f.publish(subject, b)
}

// RegistrationsChanged implements router.Fabric: the router announces
// its registrations soon (on the fabric's goroutine).
func (f *Fabric) RegistrationsChanged(wamp.URI) { f.signal() }

var (
	errClosed      = errors.New("natsfabric: closed")
	errTooManyCall = errors.New("natsfabric: too many calls in flight to other routers")
)

// Invoke implements router.Fabric: the call goes to the callee's router
// as a request; its answer, or the callee's router leaving, ends it.
func (f *Fabric) Invoke(c *router.FabricCall) error {
	b, err := encodeCall(c)
	if err != nil {
		return fmt.Errorf("%w: %w", router.ErrFabricUnencodable, err) // the caller gets wamp.error.invalid_argument
	}
	epoch := f.connEpoch() // progress.go
	f.pmu.Lock()
	if f.closed {
		f.pmu.Unlock()
		return errClosed
	}
	if len(f.pending) >= f.opts.MaxPending {
		f.pmu.Unlock()
		return errTooManyCall
	}
	f.next++
	tok := f.next
	f.pending[tok] = c
	f.outs[c] = &outCall{tok: tok, epoch: epoch}
	f.pmu.Unlock()
	msg := &nats.Msg{Subject: f.callSubject(c.Callee.Node), Reply: f.replyPrefix() + strconv.FormatUint(tok, 10), Data: b}
	if err := f.nc.PublishMsg(msg); err != nil {
		f.pmu.Lock()
		f.endCall(tok, c)
		f.pmu.Unlock()
		if errors.Is(err, nats.ErrMaxPayload) {
			return fmt.Errorf("%w: %w", router.ErrFabricTooLarge, err) // the caller gets wamp.error.payload_size_exceeded
		}
		return err
	}
	return nil
}

// onReply ends a call to another router with its answer, or delivers
// one of its progressive results (progress.go).
func (f *Fabric) onReply(msg *nats.Msg) {
	tok, err := strconv.ParseUint(strings.TrimPrefix(msg.Subject, f.replyPrefix()), 10, 64)
	if err != nil {
		return
	}
	if peekKind(msg.Data) == kindProgress {
		f.onProgress(tok, msg)
		return
	}
	f.pmu.Lock()
	c := f.pending[tok]
	oc := f.endCall(tok, c)
	f.pmu.Unlock()
	if c == nil {
		return
	}
	if msg.Header.Get("Status") == "503" { // NATS: no responders
		c.Answer(&wamp.Error{RequestType: wamp.TypeCall, Request: 1, Details: wamp.Dict{}, Error: wamp.ErrUnavailable,
			Args: wamp.List{"the callee's router is gone"}})
		return
	}
	m, err := decodeAnswer(msg.Data)
	if err != nil {
		f.log.Info("natsfabric: undecodable answer", "err", err)
		m = &wamp.Error{RequestType: wamp.TypeCall, Request: 1, Details: wamp.Dict{}, Error: wamp.ErrCanceled,
			Args: wamp.List{"the callee's router answered with an undecodable message"}}
	} else {
		m = checkProgress(oc, msg, m)
	}
	c.Answer(m)
}

// onCall runs a call from another router on the local callees, or
// passes on a CANCEL or the next part of one running (progress.go).
func (f *Fabric) onCall(msg *nats.Msg) {
	if msg.Reply == "" {
		return
	}
	switch peekKind(msg.Data) {
	case kindCancel, kindPart:
		f.onControl(msg)
		return
	}
	c, err := decodeCall(msg.Data)
	if err != nil {
		f.reply(msg.Reply, &wamp.Error{RequestType: wamp.TypeCall, Request: 1, Details: wamp.Dict{},
			Error: wamp.ErrInvalidArgument, Args: wamp.List{"natsfabric: undecodable call: " + err.Error()}})
		return
	}
	f.smu.Lock()
	if f.refuse {
		f.smu.Unlock()
		f.reply(msg.Reply, &wamp.Error{RequestType: wamp.TypeCall, Request: 1, Details: wamp.Dict{},
			Error: wamp.ErrCanceled, Args: wamp.List{"the callee's router is closing"}})
		return
	}
	f.serve(c, msg.Reply) // progress.go; releases smu
}

func (f *Fabric) reply(subject string, m wamp.Message) {
	b := f.encodeFinal(m)
	if err := f.nc.Publish(subject, b); err != nil {
		// Too large for the NATS server's max_payload, most likely: the
		// caller gets an ERROR rather than nothing.
		b, _ = encodeAnswer(&wamp.Error{Error: wamp.ErrPayloadSizeExceeded, Args: wamp.List{"the answer could not be sent: " + err.Error()}})
		f.publish(subject, b)
	}
}

// encodeFinal encodes m, a call's final answer, or, when m has a
// value the fabric's encoding has no form for (a string that is not
// UTF-8, a type outside package wamp's), the ERROR
// wamp.error.invalid_argument that a caller on the callee's router gets
// when its serialization refuses an answer.
func (f *Fabric) encodeFinal(m wamp.Message) []byte {
	b, err := encodeAnswer(m)
	if err != nil {
		f.log.Info("natsfabric: answer not encodable", "err", err)
		b, _ = encodeAnswer(&wamp.Error{Error: wamp.ErrInvalidArgument, Args: wamp.List{unencodable("the answer", err)}})
	}
	return b
}

// unencodable is the text of the ERROR that replaces what (an answer)
// when it cannot be encoded for err.
func unencodable(what string, err error) string {
	return what + " cannot be encoded for the caller's router: a value in it has no form there (" + err.Error() + ")"
}

// onSync answers another router's start with an announcement.
func (f *Fabric) onSync(msg *nats.Msg) {
	if node, err := decodeSync(msg.Data); err == nil && node != f.node {
		f.signal()
		f.sessionsSignal() // meta.go
	}
}
