package router

import (
	"fmt"
	"slices"

	"github.com/autobahn-go/autobahn/wamp"
)

// Registration meta procedures (WAMP spec, "Registration Meta API"; and
// remove_callee as Crossbar has it):
//
//	wamp.registration.list() → {exact: [id…], prefix: [id…], wildcard: [id…]}
//	wamp.registration.lookup(procedure, options?) → id | null
//	wamp.registration.match(procedure) → id | null (the one a CALL would reach)
//	wamp.registration.get(id) → {id, created, uri, match, invoke}
//	wamp.registration.list_callees(id) → [session…]
//	wamp.registration.count_callees(id) → count
//	wamp.registration.remove_callee(id, session, reason?)
//
// Unknown registrations answer wamp.error.no_such_registration, an
// unknown session wamp.error.no_such_session. The router's own procedures
// are not registrations and appear in none of these.

func (rm *realm) initRegistrationMeta() {
	rm.registerMeta("wamp.registration.list", rm.metaRegList)
	rm.registerMeta("wamp.registration.lookup", rm.metaRegLookup)
	rm.registerMeta("wamp.registration.match", rm.metaRegMatch)
	rm.registerMeta("wamp.registration.get", rm.metaRegGet)
	rm.registerMeta("wamp.registration.list_callees", rm.metaRegListCallees)
	rm.registerMeta("wamp.registration.count_callees", rm.metaRegCountCallees)
	rm.registerMeta("wamp.registration.remove_callee", rm.metaRegRemoveCallee)
}

// byMatch groups IDs by match policy, sorted, every list present.
func byMatch[T any](all map[wamp.ID]T, matchOf func(T) string) wamp.Dict {
	lists := map[string][]wamp.ID{}
	for id, v := range all {
		m := matchOf(v)
		lists[m] = append(lists[m], id)
	}
	out := wamp.Dict{}
	for _, m := range []string{wamp.MatchExact, wamp.MatchPrefix, wamp.MatchWildcard} {
		slices.Sort(lists[m])
		out[m] = idsOf(lists[m])
	}
	return out
}

func (rm *realm) metaRegList(_ *session, _ wamp.List, _ wamp.Dict) (wamp.List, wamp.Dict, error) {
	return wamp.List{byMatch(rm.regByID, func(r *registration) string { return r.match })}, nil, nil
}

// nullableID is an ID result that is null when absent.
func nullableID(id wamp.ID, ok bool) wamp.List {
	if !ok {
		return wamp.List{nil}
	}
	return wamp.List{uint64(id)}
}

func (rm *realm) metaRegLookup(_ *session, args wamp.List, _ wamp.Dict) (wamp.List, wamp.Dict, error) {
	uri, err := argString(args, 0, "procedure")
	if err != nil {
		return nil, nil, err
	}
	opts, err := argDict(args, 1, "options")
	if err != nil {
		return nil, nil, err
	}
	match, err := argMatch(opts)
	if err != nil {
		return nil, nil, err
	}
	reg, ok := rm.regs.get(wamp.URI(uri), match)
	if !ok {
		return nullableID(0, false), nil, nil
	}
	return nullableID(reg.id, true), nil, nil
}

func (rm *realm) metaRegMatch(_ *session, args wamp.List, _ wamp.Dict) (wamp.List, wamp.Dict, error) {
	uri, err := argString(args, 0, "procedure")
	if err != nil {
		return nil, nil, err
	}
	reg, _, ok := rm.regs.best(wamp.URI(uri))
	if !ok || reservedURI(wamp.URI(uri)) { // dealer.go: such a CALL reaches no registration
		return nullableID(0, false), nil, nil
	}
	return nullableID(reg.id, true), nil, nil
}

// registrationArg returns the registration args[0] names.
func (rm *realm) registrationArg(args wamp.List) (*registration, error) {
	id, err := argID(args, 0, "registration")
	if err != nil {
		return nil, err
	}
	reg := rm.regByID[id]
	if reg == nil {
		return nil, metaErr(wamp.ErrNoSuchRegistration, "no registration %d in this realm", id)
	}
	return reg, nil
}

// registrationDetails is the RegistrationDetails dict of get and on_create.
func (rm *realm) registrationDetails(reg *registration) wamp.Dict {
	return wamp.Dict{"id": uint64(reg.id), "created": rm.meta.created[reg.id], "uri": string(reg.uri),
		"match": reg.match, "invoke": reg.policy}
}

func (rm *realm) metaRegGet(_ *session, args wamp.List, _ wamp.Dict) (wamp.List, wamp.Dict, error) {
	reg, err := rm.registrationArg(args)
	if err != nil {
		return nil, nil, err
	}
	return wamp.List{rm.registrationDetails(reg)}, nil, nil
}

func (rm *realm) metaRegListCallees(_ *session, args wamp.List, _ wamp.Dict) (wamp.List, wamp.Dict, error) {
	reg, err := rm.registrationArg(args)
	if err != nil {
		return nil, nil, err
	}
	ids := make([]wamp.ID, 0, len(reg.callees))
	for _, c := range reg.callees {
		ids = append(ids, c.s.id)
	}
	return wamp.List{idsOf(ids)}, nil, nil
}

func (rm *realm) metaRegCountCallees(_ *session, args wamp.List, _ wamp.Dict) (wamp.List, wamp.Dict, error) {
	reg, err := rm.registrationArg(args)
	if err != nil {
		return nil, nil, err
	}
	return wamp.List{len(reg.callees)}, nil, nil
}

// reasonArg returns the optional reason of remove_callee and
// remove_subscriber: args[i] or kwargs.reason, a null in either being
// absent; a URI of at most maxRefusalURI octets. Given both ways it is refused, as Crossbar's Python signature
// (reason=None) refuses an argument given twice, rather than one of them
// silently winning.
func reasonArg(args wamp.List, i int, kwargs wamp.Dict) (string, error) {
	v := kwargs["reason"]
	if i < len(args) && args[i] != nil {
		if v != nil {
			return "", fmt.Errorf("reason given twice: argument %d (%s) and kwargs.reason (%s)", i+1, echo(args[i]), echo(v))
		}
		v = args[i]
	}
	if v == nil {
		return "", nil
	}
	r, ok := asString(v)
	if ok && len(r) > maxRefusalURI { // it goes to the revoked session, as a kill's reason (killArgs)
		return "", metaErr(wamp.ErrInvalidURI, "reason: longer than %d octets", maxRefusalURI)
	}
	if !ok || !wamp.ValidURI(wamp.URI(r), false, wamp.MatchExact) {
		return "", metaErr(wamp.ErrInvalidURI, "reason: not a valid URI: %s", echo(v))
	}
	return r, nil
}

// metaRegRemoveCallee is wamp.registration.remove_callee(registration,
// callee, reason?): registration revocation (Router.RemoveCallee); the
// meta events on_unregister, and on_delete for the last callee, follow.
func (rm *realm) metaRegRemoveCallee(_ *session, args wamp.List, kwargs wamp.Dict) (wamp.List, wamp.Dict, error) {
	reg, err := rm.registrationArg(args)
	if err != nil {
		return nil, nil, err
	}
	id, err := argID(args, 1, "callee")
	if err != nil {
		return nil, nil, err
	}
	reason, err := reasonArg(args, 2, kwargs)
	if err != nil {
		return nil, nil, err
	}
	if uri, msg := rm.revokeCallee(reg.id, id, reason); uri != "" { // dealer_revoke.go
		return nil, nil, &metaError{uri: uri, msg: msg}
	}
	return nil, nil, nil
}
