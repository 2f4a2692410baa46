package router

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/autobahn-go/autobahn/wamp"
)

// ProcedureAuthorizer is Crossbar's dynamic authorizer: a WAMP procedure
// a client registered (a role's "authorizer") that the router calls,
// through its dealer, to decide what the sessions of the role may do. Put
// it in RoleConfig.Authorizer like any Authorizer.
//
// The router calls Procedure(session, uri, action, options), as Crossbar
// does: session is the acting session's details (as wamp.session.get
// gives them, plus "realm"), uri the procedure or topic (a SUBSCRIBE's or
// REGISTER's pattern as sent), action "call", "register", "publish" or
// "subscribe", options the message's options ("match" set for patterns).
// The answer is true or false, or a dict {"allow", "disclose"?,
// "cache"?} of booleans; with "cache" the decision is kept for the
// session like an Authorizer's. A field of another type (a "cache":
// "true") is a malformed answer, logged at Warn naming the field.
//
// While the answer is outstanding the session's later messages wait
// behind the action, in order (at most 1,024 messages, and at most the
// realm's outbound hard limit, twice its QueueSoftLimit, of their
// estimated size; past either the session is closed for a protocol
// violation), and nothing else waits:
// the call runs on a goroutine of its own. An ERROR answer, no callee, a
// malformed answer, the session's end or no answer within
// Config.HelloTimeout deny the action with
// wamp.error.authorization_failed. The authorizer's own session must not
// have a role that this authorizer decides for: its YIELD would wait
// behind its own CALL's decision until the timeout.
type ProcedureAuthorizer struct {
	// Procedure is the URI the authorizer registered; New refuses one
	// no client can register (invalid, or the router's wamp.*).
	Procedure wamp.URI
	// Realm is the realm it registered in; empty means the session's.
	Realm wamp.URI
}

// Authorize implements Authorizer; the router does not call it (it calls
// the procedure through its dealer), so it only fails.
func (p *ProcedureAuthorizer) Authorize(*AuthorizeRequest) (Decision, error) {
	return Decision{}, errors.New("wamp/router: ProcedureAuthorizer used outside a router")
}

// maxHeldMessages bounds the messages a session may send while a dynamic
// authorizer decides on one of them; their estimated size is bounded by
// the realm's outbound hard limit (twice its QueueSoftLimit), which bounds
// what the router holds for a session the other way (one message over it
// is held when it is the only one).
const maxHeldMessages = 1024

// heldMessages is a session's messages waiting behind an outstanding
// decision of a ProcedureAuthorizer. While on is set, the goroutine that
// waits for the decision owns the session's realm handling (and its
// decision cache); the reader only appends.
type heldMessages struct {
	on    atomic.Bool // set under mu; read without it on every message
	mu    sync.Mutex
	q     []heldMessage
	bytes int // the estimated size of q
}

type heldMessage struct {
	m    wamp.Message
	size int // heldSize(m)
}

// hold queues m behind an outstanding decision and reports whether it
// did; over maxHeldMessages, or maxBytes of them, it returns a violation
// text.
func (s *session) hold(m wamp.Message, maxBytes int) (held bool, violation string) {
	h := &s.held
	if !h.on.Load() {
		return false, "" // only the reader sets it: no decision is outstanding
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.on.Load() {
		return false, ""
	}
	if len(h.q) >= maxHeldMessages {
		return true, fmt.Sprintf("more than %d messages sent while a dynamic authorizer decides", maxHeldMessages)
	}
	size := heldSize(m)
	if len(h.q) > 0 && size > maxBytes-h.bytes {
		return true, fmt.Sprintf("more than %d octets of messages sent while a dynamic authorizer decides", maxBytes)
	}
	h.q = append(h.q, heldMessage{m, size})
	h.bytes += size
	return true, ""
}

// heldSize estimates what m, a message from a client, holds (size.go's
// estimate of its payload and dicts).
func heldSize(m wamp.Message) int {
	switch m := m.(type) {
	case *wamp.Call:
		return msgOverhead + len(m.Procedure) + valueSize(m.Options, 0) + payloadSize(m.Args, m.Kwargs, m.Payload)
	case *wamp.Publish:
		return msgOverhead + len(m.Topic) + valueSize(m.Options, 0) + payloadSize(m.Args, m.Kwargs, m.Payload)
	case *wamp.Yield:
		return msgOverhead + valueSize(m.Options, 0) + payloadSize(m.Args, m.Kwargs, m.Payload)
	case *wamp.Subscribe:
		return msgOverhead + len(m.Topic) + valueSize(m.Options, 0)
	case *wamp.Register:
		return msgOverhead + len(m.Procedure) + valueSize(m.Options, 0)
	}
	return messageSize(m) // an ERROR's payload; the others' overhead
}

// procedureAuthorizer returns the ProcedureAuthorizer that must decide on
// m (an action of s without a cached decision), or nil.
func (rm *realm) procedureAuthorizer(s *session, m wamp.Message) (*ProcedureAuthorizer, actionOf) {
	az := rm.authz.Load()
	if az.open {
		return nil, actionOf{}
	}
	ra := az.roles[s.authrole]
	if ra == nil {
		return nil, actionOf{}
	}
	pa, ok := ra.authorizer.(*ProcedureAuthorizer)
	if !ok {
		return nil, actionOf{}
	}
	a, ok := actionOfMessage(m)
	if !ok {
		return nil, actionOf{}
	}
	if c := s.decisions; c != nil && c.az == az {
		if _, ok := c.m[decisionKey{action: a.action, match: a.match, uri: a.uri}]; ok {
			return nil, actionOf{} // authorizeAction finds it
		}
	}
	a.az = az
	return pa, a
}

// askAuthorizer holds s's messages, calls pa on a goroutine of its own
// and, with its decision, handles m and then what was held.
func (rm *realm) askAuthorizer(s *session, m wamp.Message, pa *ProcedureAuthorizer, a actionOf) {
	s.held.mu.Lock()
	s.held.on.Store(true)
	s.held.mu.Unlock()
	r := rm.r
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		d, err := rm.callAuthorizer(s, pa, a)
		rm.decided(s, m, a, d, err)
		for {
			s.held.mu.Lock()
			if len(s.held.q) == 0 {
				s.held.on.Store(false)
				s.held.q, s.held.bytes = nil, 0
				s.held.mu.Unlock()
				return
			}
			next := s.held.q[0].m
			s.held.bytes -= s.held.q[0].size
			s.held.q[0] = heldMessage{}
			s.held.q = s.held.q[1:]
			s.held.mu.Unlock()
			if pa, a := rm.procedureAuthorizer(s, next); pa != nil {
				rm.askAuthorizer(s, next, pa, a) // keeps holding
				return
			}
			if msg := rm.handleNow(s, next); msg != "" {
				s.violation(msg)
			}
		}
	}()
}

// callAuthorizer calls pa for action a of s.
func (rm *realm) callAuthorizer(s *session, pa *ProcedureAuthorizer, a actionOf) (Decision, error) {
	realmName := pa.Realm
	if realmName == "" {
		realmName = rm.cfg.Name
	}
	details := sessionDetails(s, false) // meta_session.go
	details["realm"] = string(rm.cfg.Name)
	options := wamp.Dict{}
	for k, v := range a.options {
		options[k] = v
	}
	if a.match != wamp.MatchExact {
		options["match"] = a.match
	}
	ctx, cancel := context.WithTimeout(s.context(), rm.r.cfg.HelloTimeout)
	defer cancel()
	args, _, err := rm.r.callProcedure(ctx, realmName, pa.Procedure, wamp.List{details, string(a.uri), a.action, options}, nil)
	if err != nil {
		return Decision{}, fmt.Errorf("authorizer %s: %w", pa.Procedure, err)
	}
	if len(args) == 0 {
		return Decision{}, fmt.Errorf("authorizer %s: empty answer", pa.Procedure)
	}
	switch v := args[0].(type) {
	case bool:
		return Decision{Allow: v}, nil
	case wamp.Dict:
		// A field of the wrong type is refused, not read as false: a
		// "cache": "true" would silently ask again every time, a
		// "disclose": 1 hide the caller the authorizer meant to show.
		f := answerFields{d: v, of: "authorizer " + string(pa.Procedure)} // auth_dynamic.go
		allow, present := f.boolean("allow")
		disclose, _ := f.boolean("disclose")
		cache, _ := f.boolean("cache")
		if f.err != nil {
			return Decision{}, f.err
		}
		if !present {
			return Decision{}, fmt.Errorf("authorizer %s: answer without allow", pa.Procedure)
		}
		return Decision{Allow: allow, Disclose: disclose, Cache: cache}, nil
	}
	return Decision{}, fmt.Errorf("authorizer %s: answer is %T, not a bool or a dict", pa.Procedure, args[0])
}

// decided handles m with the authorizer's decision d (or its error). A
// decision is cached only under the authorization that asked for it: one
// that a Reload replaced meanwhile must not outlive it.
func (rm *realm) decided(s *session, m wamp.Message, a actionOf, d Decision, err error) {
	if err == nil && d.Cache && rm.authz.Load() == a.az {
		if s.decisions == nil || s.decisions.az != a.az || len(s.decisions.m) >= maxCachedDecisions {
			s.decisions = &decisionCache{az: a.az, m: map[decisionKey]Decision{}}
		}
		s.decisions.m[decisionKey{action: a.action, match: a.match, uri: a.uri}] = d
	}
	out, refusal, allowed := rm.authorizeWith(s, m, a, d, err)
	if msg := rm.handleLocked(s, out, refusal, allowed); msg != "" {
		s.violation(msg)
	}
}
