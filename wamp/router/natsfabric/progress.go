package natsfabric

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/router"
	"github.com/nats-io/nats.go"
)

// Progressive results, progressive call invocations and CANCEL across
// routers (doc.go, "Calls"). A call's reply subject
// (wampfab.<caller's node>.reply.<token>) names it: the caller's router
// sends its CANCELs and the further parts of a progressive call
// invocation to the callee's router's call subject with that reply
// subject, so that they arrive in order after the call (NATS keeps the
// order of one connection's messages to one subscription); the callee's
// router answers on the reply subject with the progressive results,
// numbered from 1, then the final RESULT or ERROR, whose progressHeader
// says how many progressive results went before it. A gap in the
// numbers (a message lost inside NATS) ends the call with ERROR
// wamp.error.canceled.
//
//	progress: [16, seq, details, args, kwargs, payload]   callee's router → caller's, on the reply subject
//	cancel:   [17, mode]                                  caller's router → callee's, reply subject set
//	part:     [18, progress, args, kwargs, payload]       caller's router → callee's, reply subject set
const (
	kindProgress = 16
	kindCancel   = 17
	kindPart     = 18
)

// progressHeader is the NATS header of a final answer that tells how many
// progressive results went before it (absent: none).
const progressHeader = "Wampfab-Progress"

// outCall is a call in flight to another router. Guarded by pmu.
type outCall struct {
	tok uint64
	seq uint64 // progressive results received
	// epoch is the count of the connection's reconnects when the call
	// went out (one more when it was buffered for the next connection).
	epoch uint64
}

// inCall is a call from another router running here. Guarded by smu.
type inCall struct {
	reply string
	sc    *router.ServedCall // nil until Serve returned
	seq   uint64             // progressive results sent
	// orphan: its caller's router was forgotten, or the Fabric closed,
	// before Serve returned (peers.go: forget, Close); serve interrupts
	// it.
	orphan bool
}

var errCallEnded = errors.New("natsfabric: the call has ended")

var _ router.FabricCallControl = (*Fabric)(nil)

func (f *Fabric) replySubject(tok uint64) string {
	return f.replyPrefix() + strconv.FormatUint(tok, 10)
}

// endCall forgets c, a call in flight to another router with reply token
// tok, and returns what was known of it (nil: it had ended). pmu is held.
func (f *Fabric) endCall(tok uint64, c *router.FabricCall) *outCall {
	oc := f.outs[c]
	delete(f.pending, tok)
	delete(f.outs, c)
	return oc
}

// Interrupt implements router.FabricCallControl: the interrupt goes to
// the callee's router behind the call. After killnowait the call is
// forgotten here: its answer, when it comes, is dropped.
func (f *Fabric) Interrupt(c *router.FabricCall, mode string, _ wamp.URI) {
	f.pmu.Lock()
	oc := f.outs[c]
	if oc != nil && mode != "kill" {
		f.endCall(oc.tok, c)
	}
	f.pmu.Unlock()
	if oc != nil {
		f.sendCancel(c.Callee.Node, oc.tok, mode)
	}
}

// Continue implements router.FabricCallControl: the part goes to the
// callee's router behind the call and its earlier parts.
func (f *Fabric) Continue(c *router.FabricCall, p *router.FabricCallPart) error {
	f.pmu.Lock()
	oc := f.outs[c]
	f.pmu.Unlock()
	if oc == nil {
		return errCallEnded
	}
	b, err := encodePart(p)
	if err != nil {
		return fmt.Errorf("%w: %w", router.ErrFabricUnencodable, err) // the caller gets wamp.error.invalid_argument
	}
	err = f.nc.PublishMsg(&nats.Msg{Subject: f.callSubject(c.Callee.Node), Reply: f.replySubject(oc.tok), Data: b})
	if errors.Is(err, nats.ErrMaxPayload) {
		return fmt.Errorf("%w: %w", router.ErrFabricTooLarge, err) // the caller gets wamp.error.payload_size_exceeded
	}
	return err
}

// sendCancel sends the callee's router of the call with reply token tok
// a CANCEL with mode.
func (f *Fabric) sendCancel(node string, tok uint64, mode string) {
	b, err := encodeCancel(mode)
	if err == nil {
		err = f.nc.PublishMsg(&nats.Msg{Subject: f.callSubject(node), Reply: f.replySubject(tok), Data: b})
	}
	if err != nil {
		f.log.Debug("natsfabric: cancel not sent", "peer", node, "err", err)
	}
}

// connEpoch returns the epoch of a call sent now (outCall.epoch).
func (f *Fabric) connEpoch() uint64 {
	n := f.nc.Stats().Reconnects
	if !f.nc.IsConnected() {
		n++ // nats.go sends it on the next connection
	}
	return n
}

// endCallsLostInReconnect ends the calls to other routers that went out
// before the NATS connection last reconnected: what their callee's
// routers sent back while it was away is lost (NATS keeps nothing for a
// connection that is away), their final answer maybe. They end with
// ERROR wamp.error.canceled, and their callee's routers are told
// (killnowait). Called every Heartbeat (run).
func (f *Fabric) endCallsLostInReconnect() {
	now := f.nc.Stats().Reconnects
	type lost struct {
		tok uint64
		c   *router.FabricCall
	}
	var ended []lost
	f.pmu.Lock()
	if now != f.epoch {
		f.epoch = now
		for c, oc := range f.outs {
			if oc.epoch < now {
				f.endCall(oc.tok, c)
				ended = append(ended, lost{oc.tok, c})
			}
		}
	}
	f.pmu.Unlock()
	for _, l := range ended {
		f.sendCancel(l.c.Callee.Node, l.tok, "killnowait")
		l.c.Answer(&wamp.Error{RequestType: wamp.TypeCall, Request: 1, Details: wamp.Dict{}, Error: wamp.ErrCanceled,
			Args: wamp.List{"natsfabric: the NATS connection was lost while the call ran: its answer may have been lost"}})
	}
}

// onProgress delivers a progressive result of a call to another router.
// One that does not follow the last one delivered (a message lost inside
// NATS) ends the call with ERROR wamp.error.canceled, and the callee's
// router is told (killnowait).
func (f *Fabric) onProgress(tok uint64, msg *nats.Msg) {
	seq, m, err := decodeProgress(msg.Data)
	f.pmu.Lock()
	c := f.pending[tok]
	oc := f.outs[c]
	if oc == nil {
		f.pmu.Unlock()
		return // ended: answered, canceled, timed out, its router forgotten
	}
	ok := err == nil && seq == oc.seq+1
	if ok {
		oc.seq = seq
	} else {
		f.endCall(tok, c)
	}
	f.pmu.Unlock()
	if ok {
		c.Progress(m)
		return
	}
	if err != nil {
		f.log.Info("natsfabric: undecodable progressive result", "err", err)
	}
	f.sendCancel(c.Callee.Node, tok, "killnowait")
	c.Answer(errLost(strconv.FormatUint(oc.seq, 10) + " received in order, then number " + strconv.FormatUint(seq, 10)))
}

// checkProgress returns m, the final answer of oc's call, or an ERROR
// when progressive results it was sent after were lost on the way.
func checkProgress(oc *outCall, msg *nats.Msg, m wamp.Message) wamp.Message {
	var want uint64
	if h := msg.Header.Get(progressHeader); h != "" {
		want, _ = strconv.ParseUint(h, 10, 64)
	}
	var got uint64
	if oc != nil {
		got = oc.seq
	}
	if got == want {
		return m
	}
	return errLost(strconv.FormatUint(got, 10) + " received, " + strconv.FormatUint(want, 10) + " sent")
}

func errLost(why string) *wamp.Error {
	return &wamp.Error{RequestType: wamp.TypeCall, Request: 1, Details: wamp.Dict{}, Error: wamp.ErrCanceled,
		Args: wamp.List{"natsfabric: progressive results lost on the way: " + why}}
}

// serve runs a call from another router (onCall, with smu held, which it
// releases): its answers go back on reply.
func (f *Fabric) serve(c *router.FabricCall, reply string) {
	if f.served[reply] != nil {
		f.smu.Unlock()
		f.log.Info("natsfabric: a call with the reply subject of a running call dropped", "reply", reply)
		return
	}
	ic := &inCall{reply: reply}
	f.served[reply] = ic
	f.smu.Unlock()
	sc := f.link.Serve(c, func(m wamp.Message) { f.answer(ic, m) })
	f.smu.Lock()
	ic.sc = sc
	orphan := ic.orphan
	f.smu.Unlock()
	if orphan {
		sc.Cancel("killnowait")
	}
}

// onControl passes the caller's CANCEL or next part on to its call.
func (f *Fabric) onControl(msg *nats.Msg) {
	f.smu.Lock()
	var sc *router.ServedCall
	if ic := f.served[msg.Reply]; ic != nil {
		sc = ic.sc
	}
	f.smu.Unlock()
	if sc == nil {
		return // answered already
	}
	if mode, err := decodeCancel(msg.Data); err == nil {
		sc.Cancel(mode)
		return
	}
	if p, err := decodePart(msg.Data); err == nil {
		sc.Continue(p)
		return
	}
	f.log.Info("natsfabric: undecodable cancel or call part", "reply", msg.Reply)
}

// answer sends what the local callee of a call from another router
// answered (Serve's answer function: under the realm's lock, so in
// order).
func (f *Fabric) answer(ic *inCall, m wamp.Message) {
	res, progress := m.(*wamp.Result)
	progress = progress && res.Details["progress"] == true
	f.smu.Lock()
	if f.served[ic.reply] != ic {
		f.smu.Unlock()
		return // answered by Close
	}
	if progress {
		ic.seq++
	} else {
		delete(f.served, ic.reply)
	}
	seq, sc := ic.seq, ic.sc
	f.smu.Unlock()
	if !progress {
		f.replyFinal(ic.reply, m, seq)
		return
	}
	refused := &wamp.Error{Error: wamp.ErrInvalidArgument}
	b, err := encodeProgress(seq, res)
	if err != nil {
		f.log.Info("natsfabric: progressive result not encodable", "err", err)
		refused.Args = wamp.List{unencodable("a progressive result", err)}
	} else if err = f.nc.Publish(ic.reply, b); err != nil {
		// Too large for the NATS server's max_payload, most likely.
		refused.Error, refused.Args = wamp.ErrPayloadSizeExceeded, wamp.List{"a progressive result could not be sent: " + err.Error()}
	}
	if err == nil {
		return
	}
	// The call ends with an ERROR, and its local callee is interrupted.
	f.smu.Lock()
	ours := f.served[ic.reply] == ic
	delete(f.served, ic.reply)
	f.smu.Unlock()
	if ours {
		f.replyFinal(ic.reply, refused, seq-1)
		if sc != nil {
			go sc.Cancel("killnowait") // not from the answer function: it runs under the realm's lock
		}
	}
}

// replyFinal sends the final answer m of a call that had progress
// progressive results sent.
func (f *Fabric) replyFinal(subject string, m wamp.Message, progress uint64) {
	if progress == 0 {
		f.reply(subject, m)
		return
	}
	msg := &nats.Msg{Subject: subject, Data: f.encodeFinal(m), Header: nats.Header{progressHeader: []string{strconv.FormatUint(progress, 10)}}}
	if err := f.nc.PublishMsg(msg); err != nil {
		// Too large for the NATS server's max_payload, most likely: the
		// caller gets an ERROR rather than nothing.
		msg.Data, _ = encodeAnswer(&wamp.Error{Error: wamp.ErrPayloadSizeExceeded, Args: wamp.List{"the answer could not be sent: " + err.Error()}})
		if err := f.nc.PublishMsg(msg); err != nil {
			f.log.Debug("natsfabric: answer not sent", "subject", subject, "err", err)
		}
	}
}

// peekKind returns the kind of an encoded message without decoding it
// when it starts as the encoder writes it (a short array whose first
// element is a small integer), and decodes it otherwise.
func peekKind(b []byte) int64 {
	if len(b) >= 2 && b[0] >= 0x81 && b[0] <= 0x97 && b[1] <= 0x17 {
		return int64(b[1])
	}
	_, k := decodeAny(b)
	return k
}

func encodeProgress(seq uint64, m *wamp.Result) ([]byte, error) {
	return encode(wamp.List{int64(kindProgress), seq, dictOrNil(m.Details), orNil(m.Args), dictOrNil(m.Kwargs), orNil(m.Payload)})
}

func encodeCancel(mode string) ([]byte, error) { return encode(wamp.List{int64(kindCancel), mode}) }

func encodePart(p *router.FabricCallPart) ([]byte, error) {
	return encode(wamp.List{int64(kindPart), p.Progress, orNil(p.Args), dictOrNil(p.Kwargs), orNil(p.Payload)})
}

func decodeProgress(b []byte) (uint64, *wamp.Result, error) {
	f := decode(b, kindProgress, 6)
	seq := f.int(1)
	if f.err == nil && seq <= 0 {
		f.fail()
	}
	m := &wamp.Result{Request: 1, Details: f.dict(2), Args: f.list(3), Kwargs: f.dict(4), Payload: f.bytes(5)}
	if f.err == nil && m.Details["progress"] != true {
		f.fail()
	}
	return uint64(seq), m, f.err
}

func decodeCancel(b []byte) (string, error) {
	f := decode(b, kindCancel, 2)
	mode := f.str(1)
	return mode, f.err
}

func decodePart(b []byte) (*router.FabricCallPart, error) {
	f := decode(b, kindPart, 5)
	p := &router.FabricCallPart{Progress: f.boolean(1), Args: f.list(2), Kwargs: f.dict(3), Payload: f.bytes(4)}
	return p, f.err
}
