package router

import (
	"fmt"
	"maps"

	"github.com/autobahn-go/autobahn/wamp"
)

// Testaments (WAMP spec, "Testament"): events a session leaves to be
// published when it ends, for whatever reason — GOODBYE, ABORT, a kill,
// the router closing it for not reading, or its transport dropping
// without a word. The router has no session resumption, so "detached" and
// "destroyed" happen together: the detached testaments are published
// first, then the destroyed ones, each in the order added, before
// wamp.session.on_leave and after the session's subscriptions and
// registrations are gone (with their meta events).
//
// A testament is authorized as a PUBLISH of the session's when it is
// added (testamentAllowed), and again when it is published if a Reload
// came in between: the new configuration's static permissions decide, and
// a role with an Authorizer, which cannot be asked then, loses it (logged).
// Its publish options are refused when a PUBLISH could not carry them
// (exclude and eligible lists, payload passthru mode the session did not
// announce). Bounds: maxTestaments per session and scope, and
// maxTestamentBytes per session, both scopes together: a session that may
// publish keeps at most that much of the router's memory in testaments,
// however large the messages its transport takes.

// Testament scopes.
const (
	scopeDestroyed = "destroyed"
	scopeDetached  = "detached"
)

// maxTestaments bounds the testaments one session keeps per scope;
// add_testament past it fails with wamp.error.invalid_argument.
const maxTestaments = 64

// maxTestamentBytes bounds the estimated size (size.go: topic, args,
// kwargs and publish options) of the testaments one session keeps, both
// scopes together; add_testament past it fails with
// wamp.error.invalid_argument, and flush_testaments gives a scope's share
// back. A testament is an event, typically small ("this client is gone");
// a megabyte is many of them.
const maxTestamentBytes = 1 << 20

// testament is one event to publish when its session ends.
type testament struct {
	topic   wamp.URI
	args    wamp.List
	kwargs  wamp.Dict
	options wamp.Dict // the PUBLISH options, without disclose forced by authorization
	// az is the authorization the testament was allowed under, disclose
	// whether it forced publisher disclosure.
	az       *authorization
	disclose bool
	size     int // testamentSize
}

type testaments struct {
	detached, destroyed []testament
	size                int // of both scopes' testaments, against maxTestamentBytes
}

// testamentSize estimates the octets a testament holds.
func testamentSize(topic string, args wamp.List, kwargs, options wamp.Dict) int {
	return len(topic) + payloadSize(args, kwargs, nil) + valueSize(options, 0)
}

func (t *testaments) scope(name string) *[]testament {
	if name == scopeDetached {
		return &t.detached
	}
	return &t.destroyed
}

func (rm *realm) initTestamentMeta() {
	rm.registerMeta("wamp.session.add_testament", rm.metaAddTestament)
	rm.registerMeta("wamp.session.flush_testaments", rm.metaFlushTestaments)
}

// scopeArg returns kwargs.scope, "destroyed" by default.
func scopeArg(kwargs wamp.Dict) (string, error) {
	v, ok := kwargs["scope"]
	if !ok || v == nil {
		return scopeDestroyed, nil
	}
	switch s, _ := v.(string); s {
	case scopeDestroyed, scopeDetached:
		return s, nil
	}
	return "", fmt.Errorf("scope: %s is neither %q nor %q", echo(v), scopeDestroyed, scopeDetached)
}

// metaAddTestament is wamp.session.add_testament(topic, args, kwargs;
// publish_options, scope): no result.
func (rm *realm) metaAddTestament(caller *session, args wamp.List, kwargs wamp.Dict) (wamp.List, wamp.Dict, error) {
	topic, err := argString(args, 0, "topic")
	if err != nil {
		return nil, nil, err
	}
	if why := rm.badTopic(wamp.URI(topic)); why != "" { // broker.go
		return nil, nil, metaErr(wamp.ErrInvalidURI, "%s: %s", why, echo(topic))
	}
	var evArgs wamp.List
	if len(args) > 1 && args[1] != nil {
		l, ok := args[1].(wamp.List)
		if !ok {
			return nil, nil, fmt.Errorf("argument 2 (args): not a list: %s", echo(args[1]))
		}
		evArgs = l
	}
	evKwargs, err := argDict(args, 2, "kwargs")
	if err != nil {
		return nil, nil, err
	}
	scope, err := scopeArg(kwargs)
	if err != nil {
		return nil, nil, err
	}
	az := rm.authz.Load()
	allowed, disclose := rm.testamentAllowed(az, caller, wamp.URI(topic), true)
	if !allowed {
		return nil, nil, metaErr(wamp.ErrNotAuthorized, "session is not authorized to publish %q", topic)
	}
	options := wamp.Dict{}
	if v, ok := kwargs["publish_options"]; ok && v != nil {
		d, ok := v.(wamp.Dict)
		if !ok {
			return nil, nil, fmt.Errorf("publish_options: not a dict: %s", echo(v))
		}
		maps.Copy(options, d)
		if msg := badPublishLists(options); msg != "" { // pipe.go: as a PUBLISH's
			return nil, nil, metaErr(wamp.ErrInvalidArgument, "publish_options: %s", msg)
		}
		// A PUBLISH of this session's in payload passthru mode would be a
		// protocol violation (passthru.go): published, the testament would
		// be dropped.
		if msg := caller.pptViolation("publisher", wamp.TypePublish, options); msg != "" {
			return nil, nil, metaErr(wamp.ErrInvalidArgument, "publish_options: %s", msg)
		}
	}
	delete(options, "acknowledge") // nobody is left to acknowledge to
	t := rm.meta.testaments[caller.id]
	if t == nil {
		t = &testaments{}
		rm.meta.testaments[caller.id] = t
	}
	list := t.scope(scope)
	if len(*list) >= maxTestaments {
		return nil, nil, fmt.Errorf("more than %d testaments in scope %s", maxTestaments, scope)
	}
	size := testamentSize(topic, evArgs, evKwargs, options)
	if size > maxTestamentBytes-t.size {
		return nil, nil, fmt.Errorf("the session's testaments would hold about %d octets, more than %d", t.size+size, maxTestamentBytes)
	}
	t.size += size
	// The payload's lists are copied one level deep, not deeper: an
	// in-process caller hands over its values (Pipe) and must not modify
	// them after sending, as for a PUBLISH, whose Args and Kwargs the
	// broker keeps as they are (event history, retained events). A deep
	// copy would cost as much as the payload and protect only testaments.
	*list = append(*list, testament{topic: wamp.URI(topic), args: cloneList(evArgs), kwargs: maps.Clone(evKwargs), options: options,
		az: az, disclose: disclose, size: size})
	return nil, nil, nil
}

// metaFlushTestaments is wamp.session.flush_testaments(; scope): the
// testaments of the scope are forgotten; no result.
func (rm *realm) metaFlushTestaments(caller *session, _ wamp.List, kwargs wamp.Dict) (wamp.List, wamp.Dict, error) {
	scope, err := scopeArg(kwargs)
	if err != nil {
		return nil, nil, err
	}
	if t := rm.meta.testaments[caller.id]; t != nil {
		list := t.scope(scope)
		for _, ts := range *list {
			t.size -= ts.size
		}
		*list = nil
	}
	return nil, nil, nil
}

// testamentAllowed decides under az whether s may publish a testament to
// topic (and whether its publisher must be disclosed): the static
// permissions for s's role decide; a role with an Authorizer is not asked
// under realm.mu, so only a decision of its that s holds cached
// (Decision.Cache, from an earlier PUBLISH to the topic) allows it, and
// only when cached says s's reader, which owns the cache, is the caller
// (when the testament is added).
func (rm *realm) testamentAllowed(az *authorization, s *session, topic wamp.URI, cached bool) (allowed, disclose bool) {
	if az == nil || az.open {
		return true, false
	}
	ra := az.roles[s.authrole]
	if ra == nil {
		return false, false
	}
	if ra.authorizer == nil {
		d := ra.decide(ActionPublish, topic)
		return d.Allow, d.Disclose
	}
	if c := s.decisions; cached && c != nil && c.az == az {
		d, ok := c.m[decisionKey{action: ActionPublish, match: wamp.MatchExact, uri: topic}]
		return ok && d.Allow, d.Disclose
	}
	return false, false
}

// publishTestaments publishes s's testaments, detached then destroyed,
// as PUBLISHes of s's (under realm.mu, while s leaves).
func (rm *realm) publishTestaments(s *session) {
	t := rm.meta.testaments[s.id]
	if t == nil {
		return
	}
	delete(rm.meta.testaments, s.id)
	az := rm.authz.Load()
	for _, list := range [][]testament{t.detached, t.destroyed} {
		for _, ts := range list {
			allowed, disclose := true, ts.disclose
			if ts.az != az { // a Reload came: its configuration decides
				allowed, disclose = rm.testamentAllowed(az, s, ts.topic, false)
			}
			if !allowed {
				rm.log.Info("wamp/router: testament not published: not authorized by the configuration reloaded since it was added",
					"session", s.id, "authrole", s.authrole, "topic", ts.topic)
				continue
			}
			options := maps.Clone(ts.options)
			if disclose {
				options["disclose_me"] = true
			}
			rm.publish(s, &wamp.Publish{Request: 1, Options: options, Topic: ts.topic, Args: ts.args, Kwargs: ts.kwargs})
		}
	}
}

// cloneList copies l one level deep; nil stays nil.
func cloneList(l wamp.List) wamp.List {
	if l == nil {
		return nil
	}
	return append(wamp.List{}, l...)
}
