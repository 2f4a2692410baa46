package router

import (
	"fmt"
	"slices"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
)

// Bounds of the event history (RealmConfig.EventHistory).
const (
	// DefaultHistoryLimit is the ring size of an EventHistoryConfig
	// whose Limit is zero.
	DefaultHistoryLimit = 1000
	// MaxHistoryLimit bounds EventHistoryConfig.Limit.
	MaxHistoryLimit = 100_000
	// HistoryRingBytes bounds the estimated size of the events one ring
	// keeps: past it the oldest go first, whatever the Limit.
	HistoryRingBytes = 16 << 20
)

// ErrHistoryUnavailable is the ERROR of wamp.subscription.get_events for
// a subscription without an event history (Crossbar's URI).
const ErrHistoryUnavailable wamp.URI = "wamp.error.history_unavailable"

// EventHistoryConfig keeps the events published to the topics that URI
// and Match select (WAMP spec, "Event History"), in the shape of an entry
// of Crossbar's realm store "event-history": {"uri", "match", "limit"}.
// The realm creates the subscription of (URI, Match) when it starts and
// keeps it while it has no subscriber, so that events are kept from the
// start and the subscription's ID does not change; a SUBSCRIBE of the
// same (URI, Match) gets that ID, which wamp.subscription.get_events
// takes.
type EventHistoryConfig struct {
	URI wamp.URI `json:"uri"`
	// Match is "exact" (the default, also when empty), "prefix" or
	// "wildcard".
	Match string `json:"match,omitempty"`
	// Limit is how many of the latest events the ring keeps: zero means
	// DefaultHistoryLimit, at most MaxHistoryLimit. The ring also keeps
	// at most HistoryRingBytes of estimated event size.
	Limit int `json:"limit,omitempty"`
}

// checkBrokerConfig checks and completes the broker options of rc (a copy
// the Router keeps).
func checkBrokerConfig(rc *RealmConfig) error {
	rc.EventHistory = slices.Clone(rc.EventHistory)
	seen := map[[2]string]bool{}
	for i := range rc.EventHistory {
		h := &rc.EventHistory[i]
		where := fmt.Sprintf("wamp/router: realm %q: EventHistory[%d]", rc.Name, i)
		if h.Match == "" {
			h.Match = wamp.MatchExact
		}
		switch h.Match {
		case wamp.MatchExact, wamp.MatchPrefix, wamp.MatchWildcard:
		default:
			return fmt.Errorf("%s: match %q is not exact, prefix or wildcard", where, h.Match)
		}
		if !wamp.ValidURI(h.URI, rc.StrictURI, h.Match) {
			return fmt.Errorf("%s: invalid %s topic URI %q", where, h.Match, h.URI)
		}
		if h.Limit == 0 {
			h.Limit = DefaultHistoryLimit
		}
		if h.Limit < 0 || h.Limit > MaxHistoryLimit {
			return fmt.Errorf("%s: limit %d out of range 1..%d", where, h.Limit, MaxHistoryLimit)
		}
		key := [2]string{string(h.URI), h.Match}
		if seen[key] {
			return fmt.Errorf("%s: %s %q listed twice", where, h.Match, h.URI)
		}
		seen[key] = true
	}
	return nil
}

// initHistory creates the subscriptions of the realm's event histories
// and registers wamp.subscription.get_events.
func (rm *realm) initHistory() {
	rm.registerMeta("wamp.subscription.get_events", rm.getEvents)
	for _, h := range rm.cfg.EventHistory {
		sub := &subscription{id: rm.r.ids.Next(), uri: h.URI, match: h.Match, subscribers: map[wamp.ID]*session{},
			history: &historyRing{limit: h.Limit}}
		rm.subs.set(h.URI, h.Match, sub)
		rm.subByID[sub.id] = sub
	}
}

// historyRing holds the latest events of one subscription, oldest first,
// at most limit of them and at most HistoryRingBytes of estimated size.
// buf grows (doubling) up to limit entries as events come. Guarded by the realm's mu.
type historyRing struct {
	limit int
	buf   []historyEntry
	start int // index of the oldest entry in buf
	n     int
	bytes int
}

type historyEntry struct {
	at time.Time // UTC, to the millisecond (the resolution get_events shows)
	p  *publication
}

// historic reports whether p goes into event histories: the spec leaves
// out publications with exclude or eligible lists of session IDs (a later
// session's ID means nothing to them); the binary Payload of payload
// transparency has no place in get_events' result.
func (p *publication) historic() bool {
	return len(p.aud.exclude) == 0 && !p.aud.hasEligible && p.payload == nil
}

func (h *historyRing) at(i int) historyEntry { return h.buf[(h.start+i)%len(h.buf)] }

func (h *historyRing) dropOldest() {
	h.bytes -= h.buf[h.start].p.size
	h.buf[h.start] = historyEntry{}
	h.start = (h.start + 1) % len(h.buf)
	h.n--
}

func (h *historyRing) add(at time.Time, p *publication) {
	if p.size > HistoryRingBytes {
		return
	}
	for h.n > 0 && (h.n == h.limit || h.bytes+p.size > HistoryRingBytes) {
		h.dropOldest()
	}
	if h.n == len(h.buf) { // full but under limit: grow, oldest first
		grown := make([]historyEntry, min(max(2*h.n, 16), h.limit))
		for i := range h.n {
			grown[i] = h.at(i)
		}
		h.buf, h.start = grown, 0
	}
	h.buf[(h.start+h.n)%len(h.buf)] = historyEntry{at: at.UTC().Truncate(time.Millisecond), p: p}
	h.n++
	h.bytes += p.size
}

// historyQuery is the ArgumentsKw of wamp.subscription.get_events (WAMP
// spec, "Event History"); conditions combine with AND. Zero values mean
// "no condition".
type historyQuery struct {
	limit                                      int
	reverse                                    bool
	fromTime, afterTime, beforeTime, untilTime time.Time
	topic                                      wamp.URI
	fromPub, afterPub, beforePub, untilPub     wamp.ID
}

func badHistoryArg(format string, a ...any) error {
	return metaErr(wamp.ErrInvalidArgument, format, a...)
}

// parseHistoryQuery reads get_events' arguments: Arguments
// [subscription|id] or [subscription|id, limit|int] (Crossbar's form),
// ArgumentsKw the spec's reverse, limit, from_time, after_time,
// before_time, until_time (RFC 3339), topic, from_publication,
// after_publication, before_publication, until_publication.
//
// Order: the spec fixes the order of occurrence unless reverse is true,
// and its limit takes the first events in that order (the oldest ones
// without reverse: after_publication pages on). Crossbar's positional
// limit, which the spec does not define, keeps Crossbar's meaning: the
// last limit events, newest first (its event store's get_events is "at
// most limit events in reverse chronological order"), so reverse defaults
// to true there; an explicit reverse still decides. A limit given both
// ways is refused. A null argument or option is one not given, as the
// other meta procedures take it and as Crossbar's Python signature
// (limit=None) does: [subscription, null] is [subscription], and
// {"reverse": null} no condition. Crossbar's default of
// 10 events when no limit is given is not followed: the spec's form
// without limit returns the whole history.
func parseHistoryQuery(args wamp.List, kwargs wamp.Dict) (wamp.ID, historyQuery, error) {
	var q historyQuery
	if len(args) < 1 || len(args) > 2 {
		return 0, q, badHistoryArg("get_events takes [subscription] or [subscription, limit], got %d arguments", len(args))
	}
	sub, ok := wamp.AsID(args[0])
	if !ok {
		return 0, q, badHistoryArg("subscription: want an ID, got %s", echo(args[0]))
	}
	limit := func(v any) error {
		n, ok := wamp.AsID(v) // a positive integer
		if !ok || n == 0 || n > MaxHistoryLimit {
			return badHistoryArg("limit: want an integer in 1..%d, got %s", MaxHistoryLimit, echo(v))
		}
		q.limit = int(n)
		return nil
	}
	if len(args) == 2 && args[1] != nil {
		if kwargs["limit"] != nil {
			// As Crossbar's Python signature refuses it, rather than one
			// silently winning (and the two forms order differently).
			return 0, q, badHistoryArg("limit given twice: argument 2 (%s) and kwargs.limit (%s)", echo(args[1]), echo(kwargs["limit"]))
		}
		if err := limit(args[1]); err != nil {
			return 0, q, err
		}
		q.reverse = true // Crossbar's form: the latest, newest first
	}
	times := map[string]*time.Time{"from_time": &q.fromTime, "after_time": &q.afterTime, "before_time": &q.beforeTime, "until_time": &q.untilTime}
	pubs := map[string]*wamp.ID{"from_publication": &q.fromPub, "after_publication": &q.afterPub,
		"before_publication": &q.beforePub, "until_publication": &q.untilPub}
	for k, v := range kwargs {
		switch {
		case v == nil && (k == "limit" || k == "reverse" || k == "topic" || times[k] != nil || pubs[k] != nil):
			// A null option is one not given (a Python caller's None).
		case k == "limit":
			if err := limit(v); err != nil {
				return 0, q, err
			}
		case k == "reverse":
			b, ok := v.(bool)
			if !ok {
				return 0, q, badHistoryArg("reverse: want a bool, got %s", echo(v))
			}
			q.reverse = b
		case k == "topic":
			s, ok := asString(v) // meta.go: an in-process caller's wamp.URI too
			if !ok || !wamp.ValidURI(wamp.URI(s), false, wamp.MatchExact) {
				return 0, q, badHistoryArg("topic: want a URI, got %s", echo(v))
			}
			q.topic = wamp.URI(s)
		case times[k] != nil:
			s, _ := v.(string)
			t, err := time.Parse(time.RFC3339Nano, s)
			if err != nil {
				return 0, q, badHistoryArg("%s: want an RFC 3339 timestamp, got %s", k, echo(v))
			}
			*times[k] = t
		case pubs[k] != nil:
			id, ok := wamp.AsID(v)
			if !ok || id == 0 {
				return 0, q, badHistoryArg("%s: want a publication ID, got %s", k, echo(v))
			}
			*pubs[k] = id
		default:
			return 0, q, badHistoryArg("unknown option %q", echo(k))
		}
	}
	return sub, q, nil
}

// historyEventOverhead estimates an event's keys and details in
// get_events' result, beyond its Args and Kwargs.
const historyEventOverhead = 160

// historyTimeLayout is how get_events shows an event's time: RFC 3339,
// UTC, milliseconds ("yyyy-MM-ddThh:mm:ss.SSSZ").
const historyTimeLayout = "2006-01-02T15:04:05.000Z07:00"

// getEvents is the meta procedure wamp.subscription.get_events(
// subscription, [limit]; filters) (meta.go's metaProc): args and kwargs
// as parseHistoryQuery takes them. Its result's Arguments hold one list,
// one dict per event {timestamp, subscription, publication, details,
// args?, kwargs?}, in order of occurrence (newest first with reverse);
// the list is empty, never null, when nothing matches. The list holds at
// most the realm's queue soft limit of estimated event size (at least one
// event), so that the RESULT fits the caller's outbound queue; when it
// is cut short ArgumentsKw is {"truncated": true} and the caller pages on
// with after_publication (before_publication with reverse). caller, when not
// nil, is the calling session: events whose publication's authid or
// authrole lists would not have admitted it are left out. Errors are
// *metaError: wamp.error.invalid_argument,
// wamp.error.no_such_subscription, wamp.error.not_authorized (caller may
// not subscribe to it: historyAllowed), ErrHistoryUnavailable. Events the
// caller's serializer cannot encode (a NaN from a MessagePack publisher
// for a JSON caller) are left out, as they would be dropped for it as
// EVENTs; ArgumentsKw "unencodable" says how many, logged at Warn (one
// line per call) and counted (Stats.Unencodable, per event). It runs
// under rm.mu, as every meta procedure.
func (rm *realm) getEvents(caller *session, args wamp.List, kwargs wamp.Dict) (wamp.List, wamp.Dict, error) {
	subID, q, err := parseHistoryQuery(args, kwargs)
	if err != nil {
		return nil, nil, err
	}
	events, truncated, unencodable, err := rm.eventHistory(caller, subID, q)
	if err != nil {
		return nil, nil, err
	}
	var kw wamp.Dict
	if truncated {
		kw = wamp.Dict{"truncated": true}
	}
	if unencodable > 0 {
		rm.r.stats.unencodable.Add(uint64(unencodable))
		rm.log.Warn("wamp/router: events left out of get_events: the caller's serializer cannot encode them", "session", caller.id,
			"subscription", subID, "serializer", caller.enc.Name(), "events", unencodable)
		if kw == nil {
			kw = wamp.Dict{}
		}
		kw["unencodable"] = unencodable
	}
	return wamp.List{events}, kw, nil
}

// eventHistory is getEvents after the arguments are read; unencodable
// is how many events it left out because the caller's serializer cannot
// encode them. Checking costs an encoding of each event considered (at
// most the history's bytes, HistoryRingBytes).
func (rm *realm) eventHistory(caller *session, subID wamp.ID, q historyQuery) (events wamp.List, truncated bool, unencodable int, err error) {
	sub := rm.subByID[subID]
	if sub == nil {
		return nil, false, 0, metaErr(wamp.ErrNoSuchSubscription, "no subscription %d", subID)
	}
	if !rm.historyAllowed(caller, sub) {
		return nil, false, 0, metaErr(wamp.ErrNotAuthorized, "session is not authorized to subscribe to %s %q", sub.match, sub.uri)
	}
	h := sub.history
	if h == nil {
		return nil, false, 0, metaErr(ErrHistoryUnavailable, "subscription %d (%s %s) keeps no event history", subID, sub.match, sub.uri)
	}
	var ser wamp.Serializer // nil for an in-process caller: it takes Go values
	if caller != nil {
		ser = caller.enc
	}
	var scratch []byte
	// The *_publication conditions as a range of ring positions [lo, hi).
	lo, hi := 0, h.n
	index := func(id wamp.ID) int {
		for i := range h.n {
			if h.at(i).p.id == id {
				return i
			}
		}
		return -1
	}
	bound := func(id wamp.ID, f func(i int)) {
		if id == 0 {
			return
		}
		if i := index(id); i >= 0 {
			f(i)
		} else {
			lo, hi = 0, 0 // not (or no longer) in the history: nothing is before or after it
		}
	}
	bound(q.fromPub, func(i int) { lo = max(lo, i) })
	bound(q.afterPub, func(i int) { lo = max(lo, i+1) })
	bound(q.beforePub, func(i int) { hi = min(hi, i) })
	bound(q.untilPub, func(i int) { hi = min(hi, i+1) })
	out := wamp.List{}
	size := 0
	for k := range max(hi-lo, 0) {
		i := lo + k
		if q.reverse {
			i = hi - 1 - k
		}
		e := h.at(i)
		if !q.admits(e) || (caller != nil && !e.p.aud.admitsPrincipal(caller.authid, caller.authrole)) {
			continue
		}
		if ser != nil {
			var err error
			scratch, err = ser.AppendMessage(scratch[:0], &wamp.Event{Subscription: sub.id, Publication: e.p.id, Details: wamp.Dict{}, Args: e.p.args, Kwargs: e.p.kwargs})
			if err != nil {
				unencodable++
				continue
			}
		}
		ev := wamp.Dict{
			"timestamp": e.at.Format(historyTimeLayout), "subscription": uint64(sub.id),
			"publication": uint64(e.p.id), "details": e.p.details(sub.match),
		}
		if e.p.args != nil {
			ev["args"] = e.p.args
		}
		if e.p.kwargs != nil {
			ev["kwargs"] = e.p.kwargs
		}
		if size += e.p.size + historyEventOverhead; size > rm.soft && len(out) > 0 {
			return out, true, unencodable, nil
		}
		out = append(out, ev)
		if q.limit > 0 && len(out) == q.limit {
			break
		}
	}
	return out, false, unencodable, nil
}

// historyAllowed reports whether caller may read sub's events, as
// Crossbar asks subscribe permission besides the CALL's: caller is
// subscribed to sub (its SUBSCRIBE was authorized), or the realm's static
// permissions for its role allow subscribing to sub's URI; a role with an
// Authorizer is not asked under realm.mu, so only a decision of its that
// caller holds cached allows it (as for testaments, testament.go).
func (rm *realm) historyAllowed(caller *session, sub *subscription) bool {
	if caller == nil || sub.subscribers[caller.id] != nil {
		return true
	}
	az := rm.authz.Load()
	if az == nil || az.open {
		return true
	}
	ra := az.roles[caller.authrole]
	if ra == nil {
		return false
	}
	if ra.authorizer == nil {
		return ra.decide(ActionSubscribe, sub.uri).Allow
	}
	if c := caller.decisions; c != nil && c.az == az {
		d, ok := c.m[decisionKey{action: ActionSubscribe, match: sub.match, uri: sub.uri}]
		return ok && d.Allow
	}
	return false
}

// admits checks the time and topic conditions.
func (q *historyQuery) admits(e historyEntry) bool {
	switch {
	case !q.fromTime.IsZero() && e.at.Before(q.fromTime),
		!q.afterTime.IsZero() && !e.at.After(q.afterTime),
		!q.beforeTime.IsZero() && !e.at.Before(q.beforeTime),
		!q.untilTime.IsZero() && e.at.After(q.untilTime),
		q.topic != "" && e.p.topic != q.topic:
		return false
	}
	return true
}

// admitsPrincipal reports whether a session of authid and authrole would
// have been eligible by the authid and authrole lists, each given one
// admitting it (publications with session ID lists are not in
// histories).
func (a *audience) admitsPrincipal(authid, authrole string) bool {
	if a.hasEligibleAuthID && !slices.Contains(a.eligibleAuthID, authid) ||
		a.hasEligibleAuthRole && !slices.Contains(a.eligibleAuthRole, authrole) {
		return false
	}
	return !slices.Contains(a.excludeAuthID, authid) && !slices.Contains(a.excludeAuthRole, authrole)
}
