package natsfabric

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/router"
	"github.com/nats-io/nats.go"
)

// Sessions across routers (router.FabricSessions). Every router
// announces the sessions of each realm on wampfab.sessions, one message
// per realm:
//
//	sessions: [7, node, realm, [[session, authid, authrole, authmethod, authprovider], ...]]
//
// at once when sessions joined or left (at most every sessionsMinGap),
// every Heartbeat, and when another router starts. The others keep the
// last list of each router and realm, and drop it with the router (its
// Close, or TTL without an announcement of its sessions, by the rule of
// the routers' registrations: a stall of this router's own is not the
// others' silence, peers.go: missed).

const (
	kindSessions    = 7
	sessionsSubject = controlPrefix + "sessions"
	// sessionsMinGap is the least time between two announcements of
	// sessions that joins and leaves cause.
	sessionsMinGap = 20 * time.Millisecond
)

// sessions is what the fabric knows of sessions: the realms whose local
// sessions changed, and the other routers' sessions.
type sessions struct {
	ttl     time.Duration
	changed chan struct{} // buffer 1

	mu    sync.Mutex // lock order: a realm's lock, then mu
	dirty map[wamp.URI]bool
	all   bool // announce every realm
	nodes map[string]*nodeSessions
	// echoes counts this router's announcements heard back, as
	// Fabric.echoes (peers.go), for RemoteSessions, which runs under a
	// realm's lock and cannot take nmu.
	echoes atomic.Uint64
	// gone are the routers forgotten within TTL: their sessions
	// announced before they left may come after their goodbye (another
	// subscription) and are dropped.
	gone map[string]time.Time
}

// nodeSessions is another router's sessions per realm.
type nodeSessions struct {
	seen   time.Time
	echoes uint64 // sessions.echoes when seen
	realms map[wamp.URI][]router.FabricSession
}

func (s *sessions) init(ttl time.Duration) {
	s.ttl = ttl
	s.changed = make(chan struct{}, 1)
	s.dirty = map[wamp.URI]bool{}
	s.nodes = map[string]*nodeSessions{}
	s.gone = map[string]time.Time{}
}

// forget drops a router's sessions (peers.go: it left, or was silent
// past the TTL).
func (s *sessions) forget(node string) {
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.nodes, node)
	for n, t := range s.gone {
		if now.Sub(t) > s.ttl {
			delete(s.gone, n)
		}
	}
	s.gone[node] = now
}

func (s *sessions) signal() {
	select {
	case s.changed <- struct{}{}:
	default:
	}
}

// SessionsChanged implements router.FabricSessions: the realm's sessions
// are announced soon.
func (f *Fabric) SessionsChanged(realm wamp.URI) {
	f.ms.mu.Lock()
	f.ms.dirty[realm] = true
	f.ms.mu.Unlock()
	f.ms.signal()
}

// sessionsSignal has every realm's sessions announced soon (another
// router started).
func (f *Fabric) sessionsSignal() {
	f.ms.mu.Lock()
	f.ms.all = true
	f.ms.mu.Unlock()
	f.ms.signal()
}

// RemoteSessions implements router.FabricSessions: the sessions of realm
// on the routers not missed (peers.go: missed), as they last announced
// them.
func (f *Fabric) RemoteSessions(realm wamp.URI) []router.FabricSession {
	return f.remoteSessions(realm, time.Now())
}

func (f *Fabric) remoteSessions(realm wamp.URI, now time.Time) []router.FabricSession {
	connected := f.nc.IsConnected()
	f.ms.mu.Lock()
	defer f.ms.mu.Unlock()
	echoes := f.ms.echoes.Load() // under mu: not older than a node's
	var out []router.FabricSession
	for node, ns := range f.ms.nodes {
		if f.missed(now.Sub(ns.seen), connected, echoes-ns.echoes) {
			delete(f.ms.nodes, node)
			continue
		}
		out = append(out, ns.realms[realm]...)
	}
	return out
}

// goSessions starts the goroutine that announces the sessions (Start).
func (f *Fabric) goSessions() {
	f.wg.Add(1)
	go f.runSessions()
}

func (f *Fabric) runSessions() {
	defer f.wg.Done()
	f.announceSessions(true)
	t := time.NewTicker(f.opts.Heartbeat)
	defer t.Stop()
	for {
		select {
		case <-f.stop:
			return
		case <-t.C:
			f.announceSessions(true)
		case <-f.ms.changed:
			f.announceSessions(false)
			select { // at most one announcement per sessionsMinGap for joins and leaves
			case <-f.stop:
				return
			case <-time.After(sessionsMinGap):
			}
		}
	}
}

// announceSessions publishes the sessions of the realms whose sessions
// changed, or of every realm.
func (f *Fabric) announceSessions(every bool) {
	f.ms.mu.Lock()
	dirty := f.ms.dirty
	every = every || f.ms.all
	f.ms.dirty, f.ms.all = map[wamp.URI]bool{}, false
	f.ms.mu.Unlock()
	for _, realm := range f.link.Realms() {
		if !every && !dirty[realm] {
			continue
		}
		b, err := encodeSessions(f.node, realm, f.link.Sessions(realm))
		if lim := f.nc.MaxPayload(); err == nil && lim > 0 && int64(len(b)) > lim {
			err = nats.ErrMaxPayload
		}
		if err != nil {
			f.log.Warn("natsfabric: sessions not announced", "realm", realm, "err", err)
			continue
		}
		f.publish(sessionsSubject, b)
	}
}

// onSessions keeps another router's sessions of a realm.
func (f *Fabric) onSessions(msg *nats.Msg) {
	node, realm, list, err := decodeSessions(msg.Data)
	if err != nil {
		f.log.Info("natsfabric: undecodable sessions", "err", err)
		return
	}
	if node == f.node || node == "" {
		return
	}
	now := time.Now()
	f.ms.mu.Lock()
	defer f.ms.mu.Unlock()
	if t, ok := f.ms.gone[node]; ok && now.Sub(t) <= f.opts.TTL {
		return
	}
	ns := f.ms.nodes[node]
	if ns == nil {
		ns = &nodeSessions{realms: map[wamp.URI][]router.FabricSession{}}
		f.ms.nodes[node] = ns
	}
	ns.seen, ns.echoes = now, f.ms.echoes.Load()
	if len(list) == 0 {
		delete(ns.realms, realm)
	} else {
		ns.realms[realm] = list
	}
}

func encodeSessions(node string, realm wamp.URI, list []router.FabricSession) ([]byte, error) {
	l := make(wamp.List, len(list))
	for i, s := range list {
		l[i] = wamp.List{uint64(s.ID), s.AuthID, s.AuthRole, s.AuthMethod, s.AuthProvider}
	}
	return encode(wamp.List{int64(kindSessions), node, string(realm), l})
}

func decodeSessions(b []byte) (node string, realm wamp.URI, list []router.FabricSession, err error) {
	f := decode(b, kindSessions, 4)
	node, realm = f.str(1), wamp.URI(f.str(2))
	l := f.list(3)
	if f.err != nil {
		return "", "", nil, f.err
	}
	list = make([]router.FabricSession, 0, len(l))
	for _, e := range l {
		s, ok := e.([]any)
		if !ok || len(s) != 5 {
			return "", "", nil, errMalformed
		}
		sf := &fields{l: s}
		fs := router.FabricSession{ID: sf.id(0), AuthID: sf.str(1), AuthRole: sf.str(2),
			AuthMethod: sf.str(3), AuthProvider: sf.str(4), Node: node}
		if sf.err != nil {
			return "", "", nil, sf.err
		}
		list = append(list, fs)
	}
	return node, realm, list, nil
}
