package router

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/autobahn-go/autobahn/wamp"
)

// Router-provided procedures (the WAMP Meta API, and whatever else the
// router answers itself, such as wamp.subscription.get_events).
//
// A meta procedure is a plain function of the realm, registered by URI
// with registerMeta (normally from initMeta, when the realm is made). A
// CALL to that URI never reaches a client: the dealer calls the function
// in the CALL's handling, under realm.mu, with no session and no
// goroutine of its own, and answers the caller at once with RESULT (the
// function's args and kwargs) or ERROR (its error, see metaError). The
// caller's CALL options (receive_progress, timeout, disclose_me,
// progress) do not matter to it. The function must not block and must
// not keep args or kwargs (the values in them it may keep: their sender
// does not modify what it sent, Pipe); it may read and change the realm's state, queue
// messages to other sessions (rm.reply, rm.emit) and close sessions
// (rm.kill): they are removed before realm.mu is let go, after the
// caller's answer is queued.
//
// Meta procedures are not registrations: wamp.registration.list and the
// other registration meta procedures do not see them, and a client cannot
// register their URIs (REGISTER with match exact gets
// wamp.error.procedure_already_exists).

// The meta API's features, announced in WELCOME with the others
// (realm.go): session_meta_api by both roles, as the spec asks.
func init() {
	brokerFeatures = append(brokerFeatures, "session_meta_api", "subscription_meta_api")
	dealerFeatures = append(dealerFeatures, "session_meta_api", "registration_meta_api", "testament_meta_api")
}

// metaProc is a router-provided procedure; it runs under realm.mu.
type metaProc func(caller *session, args wamp.List, kwargs wamp.Dict) (wamp.List, wamp.Dict, error)

// errNoSuchSession is the meta API's error for an unknown session ID.
const errNoSuchSession wamp.URI = "wamp.error.no_such_session"

// metaError is an error a metaProc returns to answer with a given error
// URI; any other error is answered with wamp.error.invalid_argument.
type metaError struct {
	uri wamp.URI
	msg string
}

func (e *metaError) Error() string { return string(e.uri) + ": " + e.msg }

// metaErr returns a *metaError with a formatted message.
func metaErr(uri wamp.URI, format string, a ...any) error {
	return &metaError{uri: uri, msg: fmt.Sprintf(format, a...)}
}

// metaState is what the realm keeps for its meta API, under realm.mu.
type metaState struct {
	procs   map[wamp.URI]metaProc
	created map[wamp.ID]string // registration and subscription IDs → creation time (RFC 3339)
	// testaments of the joined sessions that added any.
	testaments map[wamp.ID]*testaments
}

// registerMeta makes fn answer CALLs to uri in this realm. It is meant for
// the realm's construction (initMeta); registering a URI twice panics.
func (rm *realm) registerMeta(uri wamp.URI, fn metaProc) {
	if rm.meta.procs == nil {
		rm.meta.procs = map[wamp.URI]metaProc{}
	}
	if _, dup := rm.meta.procs[uri]; dup {
		panic("wamp/router: meta procedure " + string(uri) + " registered twice")
	}
	rm.meta.procs[uri] = fn
}

// initMeta registers the Meta API's procedures.
func (rm *realm) initMeta() {
	rm.meta.created = map[wamp.ID]string{}
	rm.meta.testaments = map[wamp.ID]*testaments{}
	rm.initSessionMeta()      // meta_session.go
	rm.initTestamentMeta()    // testament.go
	rm.initRegistrationMeta() // meta_registration.go
	rm.initSubscriptionMeta() // meta_subscription.go
}

// isMetaProc reports whether a REGISTER of uri with match would shadow a
// router-provided procedure.
func (rm *realm) isMetaProc(uri wamp.URI, match string) bool {
	_, ok := rm.meta.procs[uri]
	return ok && match == wamp.MatchExact
}

// callMeta answers m, a CALL of a router-provided procedure, under
// realm.mu. It reports false when uri is not one (the dealer goes on).
func (rm *realm) callMeta(s *session, m *wamp.Call) bool {
	fn := rm.meta.procs[m.Procedure]
	if fn == nil {
		return false
	}
	args, kwargs, err := fn(s, m.Args, m.Kwargs)
	if err != nil {
		var me *metaError
		if !errors.As(err, &me) {
			me = &metaError{uri: wamp.ErrInvalidArgument, msg: err.Error()}
		}
		rm.errorReply(s, wamp.TypeCall, m.Request, me.uri, boundedText(me.msg)) // auth.go
		return true
	}
	res := &wamp.Result{Request: m.Request, Details: wamp.Dict{}, Args: args, Kwargs: kwargs}
	if size := messageSize(res); size > rm.hard {
		// A result grows with the realm (wamp.registration.list): one
		// past the hard limit would be queued only because the queue is
		// empty (a message always goes to an empty one), or would close
		// the caller's session for overflow when it is not, and the
		// router's memory per session would be bounded by the realm's
		// size instead of the limit.
		rm.errorReply(s, wamp.TypeCall, m.Request, wamp.ErrPayloadSizeExceeded, fmt.Sprintf(
			"the result of %s (some %d octets) is larger than the caller's outbound queue takes (%d octets, twice the realm's QueueSoftLimit): ask for less, or raise the limit",
			m.Procedure, size, rm.hard))
		return true
	}
	rm.reply(s, res)
	return true
}

// metaNow is the creation time of registrations and subscriptions (ISO 8601).
func metaNow() string { return time.Now().UTC().Format(time.RFC3339Nano) }

// Argument helpers: each returns an error for wamp.error.invalid_argument.

// asString returns v as a string: a string, or a wamp.URI, which an
// in-process client may pass (every serializer writes it as a string).
func asString(v any) (string, bool) {
	switch s := v.(type) {
	case string:
		return s, true
	case wamp.URI:
		return string(s), true
	}
	return "", false
}

// maxEcho bounds how much of an argument an error message shows (echo):
// enough to tell which value was refused, however large the value.
const maxEcho = 64 // octets

// echo returns v as %v shows it, cut to maxEcho octets ("…" marks the
// cut), for the error message of an argument a meta procedure refuses, or
// of a URI a client sent (up to 8 KiB: an ERROR to a REGISTER or a
// SUBSCRIBE longer than the client's transport takes ends its session).
// It formats no more of v than it shows: a caller's argument may be as
// large as its message, and the message goes back to it (callMeta also
// cuts the whole text as boundedText does).
func echo(v any) string {
	e := echoer{left: maxEcho}
	e.value(v)
	return strings.ToValidUTF8(e.b.String(), "\uFFFD")
}

// echoer writes echo's text while its budget lasts.
type echoer struct {
	b    strings.Builder
	left int // octets; negative once cut
}

// put writes s, or what the budget leaves of it and "…"; it reports
// whether the budget lasted.
func (e *echoer) put(s string) bool {
	if e.left < 0 {
		return false
	}
	if len(s) <= e.left {
		e.b.WriteString(s)
		e.left -= len(s)
		return true
	}
	n := e.left
	for n > 0 && !utf8.RuneStart(s[n]) {
		n-- // not in the middle of a character
	}
	e.b.WriteString(s[:n])
	e.b.WriteString("…")
	e.left = -1
	return false
}

func (e *echoer) value(v any) bool {
	switch v := v.(type) {
	case string:
		return e.put(v)
	case wamp.URI:
		return e.put(string(v))
	case nil, bool, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32, float64, wamp.ID:
		return e.put(fmt.Sprint(v))
	case wamp.List:
		if !e.put("[") {
			return false
		}
		for i, x := range v {
			if (i > 0 && !e.put(" ")) || !e.value(x) {
				return false
			}
		}
		return e.put("]")
	case wamp.Dict:
		if len(v) > maxEcho { // more than fit: not sorted for nothing
			return e.put(fmt.Sprintf("map[%d entries]", len(v)))
		}
		if !e.put("map[") {
			return false
		}
		for i, k := range slices.Sorted(maps.Keys(v)) {
			if (i > 0 && !e.put(" ")) || !e.put(k) || !e.put(":") || !e.value(v[k]) {
				return false
			}
		}
		return e.put("]")
	}
	return e.put(fmt.Sprintf("%T", v)) // binary, or a Go value of an in-process caller
}

// argID returns args[i] as a WAMP ID.
func argID(args wamp.List, i int, name string) (wamp.ID, error) {
	if i >= len(args) {
		return 0, fmt.Errorf("missing argument %d (%s)", i+1, name)
	}
	id, ok := wamp.AsID(args[i])
	if !ok {
		return 0, fmt.Errorf("argument %d (%s): not an ID: %s", i+1, name, echo(args[i]))
	}
	return id, nil
}

// argString returns args[i] as a string.
func argString(args wamp.List, i int, name string) (string, error) {
	if i >= len(args) {
		return "", fmt.Errorf("missing argument %d (%s)", i+1, name)
	}
	s, ok := asString(args[i])
	if !ok {
		return "", fmt.Errorf("argument %d (%s): not a string: %s", i+1, name, echo(args[i]))
	}
	return s, nil
}

// argDict returns args[i] as a dict, nil when absent or null.
func argDict(args wamp.List, i int, name string) (wamp.Dict, error) {
	if i >= len(args) || args[i] == nil {
		return nil, nil
	}
	d, ok := args[i].(wamp.Dict)
	if !ok {
		return nil, fmt.Errorf("argument %d (%s): not a dict: %s", i+1, name, echo(args[i]))
	}
	return d, nil
}

// argMatch returns the match policy of options (lookup's args[1]): exact
// when absent or null, an error for one the router does not know (a
// REGISTER or SUBSCRIBE could not have made it).
func argMatch(options wamp.Dict) (string, error) {
	v := options["match"]
	if v == nil {
		return wamp.MatchExact, nil
	}
	if m, _ := v.(string); slices.Contains(matchValues, m) { // pipe.go
		return m, nil
	}
	return "", fmt.Errorf("argument 2 (options): match: want one of %q, got %s", matchValues, echo(v))
}

// argStrings returns args[i] as a list of strings (asString's: an
// in-process client's wamp.URI is one); present reports whether it was
// given (and not null).
func argStrings(args wamp.List, i int, name string) (list []string, present bool, err error) {
	if i >= len(args) || args[i] == nil {
		return nil, false, nil
	}
	switch l := args[i].(type) {
	case []string:
		return l, true, nil
	case wamp.List:
		out := make([]string, 0, len(l))
		for _, e := range l {
			s, ok := asString(e)
			if !ok {
				return nil, false, fmt.Errorf("argument %d (%s): not a list of strings: %s", i+1, name, echo(args[i]))
			}
			out = append(out, s)
		}
		return out, true, nil
	}
	return nil, false, fmt.Errorf("argument %d (%s): not a list: %s", i+1, name, echo(args[i]))
}

// idsOf returns the IDs as a non-nil list (never encoded as null).
func idsOf(ids []wamp.ID) wamp.List {
	out := make(wamp.List, 0, len(ids))
	for _, id := range ids {
		out = append(out, uint64(id))
	}
	return out
}
