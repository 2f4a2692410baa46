package natsfabric

import (
	"strings"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/router"
)

// onAnnounce brings another router's RemoteCallees in line with its
// announcement.
func (f *Fabric) onAnnounce(msg *nats.Msg) {
	a, err := decodeAnnounce(msg.Data)
	if err != nil {
		f.log.Info("natsfabric: undecodable announcement", "err", err)
		return
	}
	if a.node == "" {
		return
	}
	f.nmu.Lock()
	defer f.nmu.Unlock()
	if a.node == f.node {
		f.echoes++ // expire: this router hears announcements
		f.ms.echoes.Add(1)
		return
	}
	if f.stopped {
		return
	}
	p := f.nodes[a.node]
	if a.bye {
		if p != nil {
			f.forget(a.node, p)
		}
		return
	}
	if p == nil {
		p = &peer{callees: map[calleeKey]*router.RemoteCallee{}}
		f.nodes[a.node] = p
		f.log.Debug("natsfabric: router joined", "peer", a.node)
	}
	if a.seq <= p.seq {
		return // older than what was applied
	}
	p.seq, p.seen, p.echoes = a.seq, time.Now(), f.echoes
	want := map[calleeKey]bool{}
	for realm, regs := range a.regs {
		for _, r := range regs {
			want[calleeKey{realm: realm, reg: r}] = true
		}
	}
	for k, c := range p.callees {
		if !want[k] {
			// Unregistered there: its calls in flight go on, as a
			// local callee's do after its UNREGISTER.
			c.Unregister()
			delete(p.callees, k)
		}
	}
	for k := range want {
		if p.callees[k] != nil {
			continue
		}
		c, err := f.link.AddCallee(k.realm, a.node, k.reg)
		if err != nil {
			// Retried with the next announcement.
			f.log.Debug("natsfabric: remote registration not added", "peer", a.node, "procedure", k.reg.Procedure, "err", err)
			continue
		}
		p.callees[k] = c
	}
}

// expire forgets the routers not heard from within TTL. While the
// connection is up, a router is also to be missed by TTL / Heartbeat
// (two at least) of this router's own announcements coming back, up to
// 10 × TTL: when this router's process stalled, the ticker fires before
// the announcements that came in meanwhile are read, and the others seem
// silent. Two at least, as one may have been on its way before the
// stall.
func (f *Fabric) expire(now time.Time) {
	connected := f.nc.IsConnected()
	f.nmu.Lock()
	defer f.nmu.Unlock()
	for node, p := range f.nodes {
		if !f.missed(now.Sub(p.seen), connected, f.echoes-p.echoes) {
			continue
		}
		f.log.Info("natsfabric: router silent past the TTL: its registrations are removed", "peer", node, "ttl", f.opts.TTL)
		f.forget(node, p)
	}
}

// missed reports whether a router silent for silent, while echoes of
// this router's own announcements came back, is to be forgotten (expire)
// or its sessions hidden (RemoteSessions); connected: the NATS connection
// is up. On a connection with nats.NoEcho, whose own announcements never
// come back, silence past the TTL is enough.
func (f *Fabric) missed(silent time.Duration, connected bool, echoes uint64) bool {
	need := max(2, uint64(f.opts.TTL/f.opts.Heartbeat))
	return silent > f.opts.TTL && (f.nc.Opts.NoEcho || !connected || echoes >= need || silent > 10*f.opts.TTL)
}

// forget removes a router: its RemoteCallees and the calls to it in
// flight, those of callees it no longer announced included (their callers
// get ERROR wamp.error.canceled), and its calls running here (their
// callees get INTERRUPT killnowait, as for a local caller that left).
// nmu is held.
func (f *Fabric) forget(node string, p *peer) {
	for _, c := range p.callees {
		c.Remove()
	}
	var orphans []*router.ServedCall
	from := f.callerReplyPrefix(node)
	f.smu.Lock()
	for reply, ic := range f.served {
		if strings.HasPrefix(reply, from) {
			delete(f.served, reply) // its answer is dropped
			if ic.sc == nil {
				ic.orphan = true // serve interrupts it when Serve returns
			} else {
				orphans = append(orphans, ic.sc)
			}
		}
	}
	f.smu.Unlock()
	for _, sc := range orphans {
		sc.Cancel("killnowait")
	}
	delete(f.nodes, node)
	f.ms.forget(node) // meta.go
	var ended []*router.FabricCall
	f.pmu.Lock()
	for tok, c := range f.pending {
		if c.Callee.Node == node {
			f.endCall(tok, c) // progress.go
			ended = append(ended, c)
		}
	}
	f.pmu.Unlock()
	for _, c := range ended {
		c.Answer(&wamp.Error{RequestType: wamp.TypeCall, Request: 1, Details: wamp.Dict{}, Error: wamp.ErrCanceled,
			Args: wamp.List{"the callee's router left the fabric"}})
	}
}

// Close leaves the fabric: the other routers are told (they remove this
// router's registrations at once), the calls from them not answered yet
// get ERROR wamp.error.canceled (their callees here are interrupted, mode
// killnowait), and so do this router's calls in flight to them. Close the
// Fabric before its router. It does not close the NATS connection.
func (f *Fabric) Close() error {
	f.pmu.Lock()
	if f.closed || f.link == nil {
		f.closed = true
		f.pmu.Unlock()
		return nil
	}
	f.closed = true
	f.pmu.Unlock()
	close(f.stop)
	f.stopJetStream() // retain.go
	f.wg.Wait()
	for _, s := range f.subs {
		s.Unsubscribe()
	}
	f.stopInterest() // events.go
	f.announce(true)
	f.smu.Lock()
	f.refuse = true
	running := f.closedServing()
	f.smu.Unlock()
	for _, sc := range running {
		sc.Cancel("killnowait") // as for a caller's router forgotten (forget)
	}
	f.nmu.Lock()
	f.stopped = true
	for node, p := range f.nodes {
		f.forget(node, p)
	}
	f.nmu.Unlock()
	f.pmu.Lock()
	clear(f.pending)
	clear(f.outs)
	f.pmu.Unlock()
	if f.nc.IsClosed() {
		return nil
	}
	return f.nc.Flush()
}

// closedServing answers the calls from other routers still running here
// with ERROR wamp.error.canceled; later answers are dropped. It returns
// those calls, whose callees the caller of closedServing interrupts once
// smu is released (a call whose Serve has not returned yet is
// interrupted by serve). smu is held.
func (f *Fabric) closedServing() []*router.ServedCall {
	var running []*router.ServedCall
	for reply, ic := range f.served {
		delete(f.served, reply)
		if ic.sc == nil {
			ic.orphan = true
		} else {
			running = append(running, ic.sc)
		}
		f.replyFinal(reply, &wamp.Error{RequestType: wamp.TypeCall, Request: 1, Details: wamp.Dict{},
			Error: wamp.ErrCanceled, Args: wamp.List{"the callee's router left the fabric"}}, ic.seq) // progress.go
	}
	return running
}
