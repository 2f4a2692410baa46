// Package router is a WAMP router (WAMP spec, Basic Profile, router side):
// the broker and dealer that sessions of wamp/client, Autobahn or any WAMP
// client join over WebSocket, RawSocket or, embedded in a Go program, an
// in-memory transport.
//
//	r, err := router.New(router.Config{Realms: []router.RealmConfig{{Name: "realm1", AllowAnonymous: true}}})
//	defer r.Close(ctx)
//	sess, err := client.Join(ctx, r.Connect(), "realm1", client.JoinOptions{}) // in-process
//
// Serving a transport: websocket.Accept inside an http.Handler, then
// r.ServeTransport(ctx, conn); or, for every conn that
// rawsocket.Accept returns, r.Attach(conn). One transport carries one
// session; the router owns the transport from then on and closes it. On
// ws/wsloop's event loops, with no goroutine per session:
//
//	srv := &wsloop.Server{Handler: r.LoopHandler(opts), Options: opts.WS}
//
// # What it does
//
// Sessions: HELLO → WELCOME, or ABORT with wamp.error.no_such_realm,
// wamp.error.not_authorized (anonymous access refused),
// wamp.error.no_auth_method, wamp.error.authentication_failed;
// authentication (auth.go) anonymous, by ticket, WAMP-CRA, WAMP-SCRAM and
// WAMP-cryptosign, each from static principals (RealmConfig.Tickets, CRA,
// SCRAM, Cryptosign) or dynamic (RealmConfig.Authenticators): an
// Authenticator in Go, or a ProcedureAuthenticator, Crossbar's dynamic
// authenticator, a WAMP procedure a client registered that the router
// calls through its own dealer (auth_dynamic.go, internal_caller.go) —
// the session waits for the answer, nothing else does. A session
// that is not welcomed within Config.HelloTimeout gets ABORT
// wamp.error.timeout. GOODBYE is answered with GOODBYE
// wamp.close.goodbye_and_out. Protocol violations (a message out of place,
// a message the transport could not decode, a request ID out of range or
// a CALL reusing the request ID of a pending call) end the session with
// ABORT wamp.error.protocol_violation. A GOODBYE or ABORT is written after
// what is already queued and before the transport is closed (within
// Config.CloseTimeout); after the router's own GOODBYE the transport
// stays open for the client's GOODBYE, dropping anything else the client
// sends, until it comes or that timeout passes. Session and publication IDs are random in 1..2^53;
// subscription, registration and invocation IDs come from one router-wide
// sequence.
//
// Dealer (WELCOME announces: progressive_call_results,
// caller_identification, pattern_based_registration, shared_registration,
// call_canceling, call_timeout, progressive_call_invocations, call_reroute,
// registration_revocation, call_trustlevels): CALL → INVOCATION → YIELD →
// RESULT, the callee's ERROR forwarded, wamp.error.no_such_procedure;
// progressive results to callers that asked (receive_progress); prefix and
// wildcard registrations (exact beats the longest prefix beats wildcard,
// INVOCATION.Details.procedure set for patterns); shared registrations
// with invoke single, roundrobin, random, first or last (a REGISTER with
// another policy, or any second one under single, gets
// wamp.error.procedure_already_exists); a REGISTER in the wamp.*
// namespace, which the spec reserves for the router, is refused as
// wamp.error.invalid_uri (as Crossbar does; a router procedure's own URI
// with match exact gets wamp.error.procedure_already_exists), and a CALL
// there that is not the router's gets wamp.error.no_such_procedure (no
// client's pattern registration answers it); round-robin goes on in turn
// when a callee leaves; caller disclosure (disclose_me,
// disclose_caller); CANCEL with skip, kill and killnowait (the default;
// skip for callees that did not announce call_canceling). A caller that
// leaves has its pending invocations interrupted (killnowait); a callee
// that leaves makes its pending calls fail with wamp.error.canceled. Every
// CALL gets exactly one RESULT or ERROR while the caller's session lives.
//
//   - Call timeout: CALL.Options.timeout (ms) runs a dealer timer; when it
//     passes the caller gets ERROR wamp.error.timeout (the spec's URI for
//     dealer-initiated timeouts) and the callee INTERRUPT killnowait, or
//     nothing when it did not announce call_canceling (skip); a late
//     answer is dropped. A callee that announced call_timeout and
//     registered with forward_timeout=true gets INVOCATION.Details.timeout
//     instead and times the call itself; the dealer ends the call as
//     above only when the callee has not answered a grace (a second, or a
//     tenth of the timeout) after the deadline (dealer_timeout.go).
//   - Progressive call invocations: CALLs with the same request ID and
//     progress=true stream to one callee as INVOCATIONs with one request
//     ID, until the CALL without progress; only callees that announced
//     progressive_call_invocations and call_canceling get streams (else
//     wamp.error.feature_not_supported), a caller that did not announce it
//     breaks the protocol. The first CALL's options hold for the whole
//     stream. Parts that come after the call ended (cancel, timeout, the
//     callee's answer or departure) are discarded, never answered twice
//     (dealer_progressive.go).
//   - Call reroute: a callee's ERROR wamp.error.unavailable sends the call
//     to the next callee by the invocation policy; when none is left the
//     caller gets wamp.error.no_available_callee (dealer_reroute.go).
//   - Registration revocation: Router.RemoveCallee (and the meta procedure
//     wamp.registration.remove_callee) takes a callee off a registration;
//     it gets UNREGISTERED {registration, reason} if it announced
//     registration_revocation, the calls it runs for it end with
//     wamp.error.canceled (dealer_revoke.go).
//   - Call trust levels: RealmConfig.CallTrustLevels (authrole → level)
//     sets INVOCATION.Details.trustlevel.
//
// Broker (WELCOME announces: publisher_exclusion,
// subscriber_blackwhite_listing, publisher_identification,
// pattern_based_subscription, event_retention, event_history,
// subscription_revocation, publication_trustlevels,
// payload_passthru_mode): SUBSCRIBE, UNSUBSCRIBE, PUBLISH with
// acknowledge, exclude_me (default true), eligible and exclude lists by
// session ID, authid and authrole, publisher disclosure, prefix and
// wildcard subscriptions (every matching subscription gets the event,
// EVENT.Details.topic set for patterns); a PUBLISH (or testament) to a
// wamp.* topic, where the router's meta events are, is refused as
// wamp.error.invalid_uri, as Crossbar does. Events from one publisher reach
// each subscriber in the order published; SUBSCRIBED comes before the
// subscription's first EVENT. PUBLISHED says the broker took the
// publication (the spec's acknowledgement: it went to the subscribers
// there were, into retention and history, and to the Fabric), not that
// each subscriber got it: an EVENT dropped for one (slow, too large for
// its transport, or not encodable in its serialization) is logged and
// counted, not told to the publisher. Fan-out encodes once: the EVENT of one
// publication to one subscription is encoded once per serializer, and
// every RawSocket and WebSocket subscriber of that serializer is queued
// the same bytes (wamp.Encoded; its queue counts their size), so a
// publication to 1,000 subscribers costs a constant number of allocations
// (fanout.go, BENCHMARKS.md). An in-process subscriber's EVENT has a
// Details map of its own; Args and Kwargs are shared between the events
// of one publication and with the PUBLISH (and the INVOCATION shares the
// CALL's): nobody may modify them.
//
//   - Event retention: the last PUBLISH with retain=true of each topic is
//     kept; a SUBSCRIBE with get_retained=true gets, right after its
//     SUBSCRIBED, the retained events of the topics it matches (exact,
//     prefix, wildcard; in topic order) that the publication's lists
//     would have let it receive, with EVENT.Details.retained=true and the
//     publisher disclosed if it was. Bounded per realm by
//     RealmConfig.RetainedTopics (DefaultRetainedTopics, 10,000) and
//     RetainedBytes (DefaultRetainedBytes, 64 MiB): at a bound a new
//     retained event is declined (delivered as usual, not kept, logged)
//     and the topic's older one dropped (retain.go).
//   - Event history: RealmConfig.EventHistory (Crossbar's
//     {"uri", "match", "limit"}) keeps the last events of a topic or
//     pattern in an in-memory ring (at most MaxHistoryLimit events and
//     HistoryRingBytes each), under a subscription that exists from the
//     realm's start; wamp.subscription.get_events(subscription, [limit];
//     reverse, limit, from_time, after_time, before_time, until_time,
//     topic, from_publication, after_publication, before_publication,
//     until_publication) answers the spec's list of {timestamp,
//     subscription, publication, details, args, kwargs} in order of
//     occurrence (newest first with reverse; a positional limit, which
//     only Crossbar defines, means Crossbar's "the last limit events,
//     newest first"; given with kwargs.limit it is refused), without the
//     events the caller's authid or authrole would not have got, in pages
//     of at most the realm's queue soft limit (ArgumentsKw {"truncated": true}
//     when there is more), and without those the caller's serializer
//     cannot encode (ArgumentsKw "unencodable": how many; logged at Warn,
//     counted in Stats.Unencodable).
//     Publications with lists of session IDs are not kept, as the spec
//     asks (history.go).
//   - Subscription revocation: Router.RemoveSubscriber (and the meta
//     procedure wamp.subscription.remove_subscriber) takes a subscriber
//     off a subscription; it gets UNSUBSCRIBED[0, {subscription, reason}]
//     if it announced subscription_revocation (broker_revoke.go).
//   - Publication trust levels: RealmConfig.PublicationTrustLevels
//     (authrole → level) sets EVENT.Details.trustlevel.
//   - Payload passthru: the ppt_* (and enc_*) options of PUBLISH, CALL,
//     YIELD and ERROR go untouched into the EVENT, INVOCATION, RESULT and
//     ERROR details, the payload with them; a publisher, caller or
//     callee that uses ppt_scheme without announcing
//     payload_passthru_mode for that role breaks the protocol
//     (passthru.go). WELCOME announces the feature for broker and dealer.
//
// # Meta API
//
// Every realm answers the WAMP meta procedures itself (WELCOME announces
// session_meta_api, registration_meta_api, subscription_meta_api and
// testament_meta_api): wamp.session.{count,list,get,kill,kill_by_authid,
// kill_by_authrole,kill_all,add_testament,flush_testaments},
// wamp.registration.{list,lookup,match,get,list_callees,count_callees,
// remove_callee} and wamp.subscription.{list,lookup,match,get,
// list_subscribers,count_subscribers,remove_subscriber}, with the spec's
// arguments and results (lists are never null: subscription.match answers
// [] when nothing matches). They are not registrations: no client can
// register their URIs and the registration meta procedures do not list
// them. A CALL to one is answered in its handling, like a routing
// decision, with no session and no goroutine behind it (meta.go). A
// killed session gets GOODBYE with the reason given (wamp.close.normal by
// default; a URI of at most 256 octets) and the message given (cut to
// 1024 octets); kill_by_* and kill_all spare the caller. With a Fabric that
// implements FabricSessions, the other routers' sessions are counted,
// listed and got, and killed only through their own router (kill with
// the ID of one answers wamp.error.feature_not_supported). wamp.session.get
// describes the session and its transport (type, protocol, peer,
// is_secure and, on WebSocket, http_headers_received: the upgrade's
// headers as websocket.Conn.RequestHeader keeps them, at most
// websocket.MaxHeaderBytes, but for the values of authorization,
// proxy-authorization and cookie, which read "(redacted)": any session
// allowed to call it, or to subscribe to on_join, sees them. Authenticators
// get them whole in TransportInfo.HTTPHeaders, and a ProcedureAuthenticator
// or ProcedureAuthorizer in its transport details).
//
// The meta events — wamp.session.on_join and on_leave,
// wamp.registration.on_create, on_register, on_unregister and on_delete,
// wamp.subscription.on_create, on_subscribe, on_unsubscribe and on_delete
// — are published in the spec's order. However a session ends (GOODBYE,
// ABORT, kill, overload, or its transport dropping without a word), its
// subscriptions and registrations go first with their events, then its
// testaments are published (detached, then destroyed, each in the order
// added; at most 64 per scope, and about 1 MiB per session, both scopes
// together: add_testament past either answers wamp.error.invalid_argument),
// then on_leave. wamp.session.add_testament is authorized as a PUBLISH
// to the testament's topic when it is called (for a role with an
// Authorizer, only a cached decision can allow it), and again when it is
// published after a Reload (which a role with an Authorizer's testaments
// do not survive).
//
// URIs are checked with wamp.ValidURI, loose or, with
// RealmConfig.StrictURI, strict rules (wamp.error.invalid_uri). Matching
// costs time in the length of the URI, not in the number of patterns: an
// exact map, a radix tree of prefixes and a component trie of wildcards
// per realm (BenchmarkMatch).
//
// # Authorization
//
// RealmConfig.Roles authorize by authrole, as Crossbar's roles do (and
// wamp/router/config reads them from Crossbar's "roles"): each role has
// static Permissions — {URI, Match, Allow{Call, Register, Publish,
// Subscribe}, Disclose{Caller, Publisher}, Cache} — or an Authorizer that
// decides in code (decisions with Cache kept per session). Every CALL,
// REGISTER, PUBLISH and SUBSCRIBE is checked where the realm takes the
// message, before the realm's lock, so the meta procedures and
// wamp.subscription.get_events (CALLs) pass the same check;
// get_events also needs the caller to be subscribed to the subscription,
// or allowed to subscribe to its URI (as Crossbar asks). The longest
// matching permission pattern decides (RoleConfig tells the exact rule);
// a denied action gets ERROR wamp.error.not_authorized (an Authorizer's
// error: wamp.error.authorization_failed; an unacknowledged PUBLISH is
// dropped, unanswered); Disclose forces caller or publisher disclosure.
// A realm with no roles allows everything to every session (the anonymous
// default of `autobahn serve`); a realm with roles refuses HELLOs whose
// role it does not have (ABORT wamp.error.no_such_role) and denies what
// no permission allows — a role with no permissions is denied everything.
// Router.Reload replaces the realms' principals and roles without touching
// a session: what comes next follows the new configuration (authorize.go).
// A role's Authorizer may be a ProcedureAuthorizer, Crossbar's dynamic
// authorizer: a WAMP procedure a client registered, called through the
// dealer (authorize_dynamic.go); while it decides, the session's later
// messages wait behind the action, in order, and nothing else waits.
//
// # Endpoints: authentication per listener
//
// Config.Endpoints names endpoints with authentication of their own, as
// a Crossbar transport's "auth" (endpoint.go): EndpointConfig.Realms
// holds, per realm, the fields RealmConfig authenticates with
// (AuthConfig). A listener attaches its transports through its endpoint —
// r.Endpoint(name).Attach(conn), ServeTransport, Connect, or on the event
// loop r.Endpoint(name).LoopHandler(opts) — and their sessions are
// authenticated by that endpoint's configuration alone: principals of
// one endpoint are unknown on every other and to the realm's own fields,
// a method the endpoint does not offer gets ABORT
// wamp.error.no_auth_method (wamp.error.not_authorized for anonymous),
// a realm it does not list wamp.error.no_such_realm.
// TransportInfo.Endpoint tells an Authenticator the endpoint. Sessions
// attached with Router.Attach, ServeTransport, Connect or LoopHandler
// have no endpoint and the realm's authentication, as before. Roles stay
// the realm's. EndpointConfig.MaxSessions bounds the sessions on the
// endpoint at once, from attaching until the session ends: past
// it the connection's HELLO gets ABORT ReasonEndpointFull
// (wamp.error.endpoint_full), counted in Endpoint.Refused;
// Endpoint.Sessions is the current count. Endpoints with the same
// EndpointConfig.Listener (the URL paths of one port) share that count
// and bound. Router.Reload replaces the endpoints' authentication and
// MaxSessions too (a lower bound ends no session).
//
// # Never losing silently
//
// Everything sent to a session goes through its outbound queue, which
// counts the estimated encoded size of what it holds against a soft limit
// (Config.QueueSoftLimit, default 1 MiB, or the realm's
// RealmConfig.QueueSoftLimit from WELCOME on) and a hard limit (twice
// that):
//
//   - An INVOCATION for a callee over its soft limit goes to the next
//     callee by the registration's policy; when there is none the caller
//     gets ERROR wamp.error.no_available_callee with the reason as its
//     first argument.
//   - An EVENT for a subscriber over its soft limit follows the realm's
//     RealmConfig.SlowSubscriber: SlowDisconnect (default) closes the
//     subscriber's session, SlowDrop drops the event for it and counts it
//     (SessionInfo.Dropped, logged once per run of drops).
//   - Replies (RESULT, ERROR, REGISTERED, …) and INTERRUPTs queue up to the
//     hard limit; past it the session is closed.
//
// A session closed for not reading gets GOODBYE ReasonQueueOverflow
// (wamp.close.system_overload) if it reads again within CloseTimeout; what
// was queued for it is discarded (on the event loop what the connection
// holds already cannot be, and it is dropped if still unread after
// CloseTimeout), its registrations and subscriptions are
// removed, its calls interrupted, the calls it served fail with
// wamp.error.canceled, and the router logs a Warn line with
// reason=wamp.close.system_overload. A message larger than a limit still
// goes to an empty queue. The queue's memory is bounded by its limit plus
// one message, which its sender sent whole (and the transport bounds); a
// meta procedure's result, which grows with the realm
// (wamp.registration.list), is answered with ERROR
// wamp.error.payload_size_exceeded when it is past the hard limit.
//
// A message larger than the session's transport carries (a RawSocket
// client's maximum message length, a WebSocket server's
// MaxMessagePayload) does not end the session when the router can answer
// for it (wamp.error.payload_size_exceeded: "a message could not be
// delivered due to transport payload size limits"): an INVOCATION goes to
// the next callee by the registration's policy, or the caller gets that
// ERROR; a RESULT or a callee's ERROR becomes that ERROR, the call's one
// answer (a progressive RESULT too, and the callee gets INTERRUPT
// killnowait); an EVENT is dropped for that subscriber, logged and
// counted as SlowDrop's are; a WELCOME goes without the roles' features
// (a RawSocket client may take no more than 512 octets). Any other message
// too large ends the session. A message the session's serializer cannot
// encode (a NaN or an infinity, which a MessagePack or CBOR peer may
// send, for a JSON one) is answered for the same way, with ERROR
// wamp.error.invalid_argument where the size's is payload_size_exceeded,
// logged at Warn and counted (Stats.Unencodable).
//
// Procedure and topic URIs longer than 8,192 octets are invalid
// (wamp.error.invalid_uri), and so are wildcard patterns of more than 64
// components: a session's subscriptions and registrations keep theirs,
// and the wildcard index keeps a node per component. Per realm, besides
// the queue limit and the slow-subscriber policy:
// RealmConfig.MaxSessions bounds the sessions joined at once (default
// DefaultMaxSessions, 100,000; negative: no bound; a HELLO past it gets
// ABORT ReasonRealmFull), RetainedTopics and RetainedBytes bound
// event retention, and EventHistory's Limit each history ring.
// MaxPendingCalls, MaxSubscriptions and MaxRegistrations bound what one
// session holds (defaults 1,000 calls in flight, 5,000 subscriptions,
// 5,000 registrations; negative: no bound): past one, the CALL, SUBSCRIBE
// or REGISTER gets ERROR ErrLimitExceeded (wamp.error.limit_exceeded, the
// router's URI: the spec has none) and the session goes on. The counts
// are the session's own (SessionInfo.PendingCalls, Subscriptions,
// Registrations), so every way a call ends frees its slot.
//
// Router.Stats counts what the router refuses, drops and closes, each also
// logged: sessions welcomed, sessions ended by the reason of the router's
// ABORT or GOODBYE (queue overflow, protocol violation, realm full, a
// kill's reason, ...; or the transport ending first), events dropped under
// SlowDrop or too large for their subscriber, and requests refused at a
// per-session limit. autobahn serve exports them on /metrics.
//
// # Federation
//
// Config.Fabric federates the router's realms with other routers'
// (fabric.go; the module wamp/router/natsfabric does it over NATS). The
// broker hands the Fabric every local publication after its local
// delivery, with what the other routers need to apply publisher
// exclusion, the black and white lists, disclosure and trust levels
// there; FabricLink.Publish delivers theirs to local subscribers. A
// callee on another router is a RemoteCallee: a registration's callee
// like a local one (invoke policies, timeouts, reroute), whose calls the
// dealer hands to Fabric.Invoke and whose answers come back through
// FabricCall.Answer; FabricLink.Serve runs the other routers' calls on
// local callees. Removing a RemoteCallee answers its calls in flight with
// ERROR wamp.error.canceled; unregistering it lets them run to their end.
// Progressive results cross routers (Serve's answer function, then
// FabricCall.Progress); a Fabric that implements FabricCallControl also
// carries CANCEL, the INTERRUPT of a caller that left or timed out, and
// progressive call invocations to the callee's
// router (ServedCall.Cancel, Continue), and its RemoteCallees announce
// call_canceling and progressive_call_invocations (fabric_progress.go).
// A Fabric that implements FabricInterest
// hears of every subscription the realm gains and loses, and may hold the
// SUBSCRIBE that makes one until its interest is in place; one that
// implements FabricSessions makes wamp.session.count, list and get answer
// for the sessions of the other routers too (fabric_meta.go); one that
// implements FabricRetain keeps retained events for the cluster (it hears
// of every retained PUBLISH, and holds a get_retained SUBSCRIBE while it
// fetches the cluster's retained events into the router's store) and may
// load event histories at Start (FabricLink.LoadHistory,
// fabric_retain.go). A history records the publications of other
// routers that reach it, as its own. Without a
// Fabric the router pays a nil check per publication, call,
// registration, new subscription and session.
//
// # Concurrency
//
// On goroutine transports a session has a reader goroutine, which handles
// each message as a plain function call, and, while it has something to
// send, a writer (the queue's owner) that writes what is queued: the
// queue starts one when a message comes and none runs, and it retires
// after 100 ms with nothing to write. No goroutine is started per call
// or per event of a busy session; an idle one holds only its reader (with
// Attach a fresh one once the session has joined, so that the stack
// HELLO and authentication grew is freed), no timer, no context and none
// of its maps of subscriptions, registrations and calls until it uses
// them. With Attach on a transport that can wait for input without
// reading a message (AwaitInput: WebSocket and RawSocket on TCP and Unix
// sockets, not TLS), the reader of a session whose next message does not
// come within 100 ms hands over to a fresh goroutine that waits there,
// on the smallest stack (2 KiB instead of the 4 KiB of a wait in Recv)
// and, on RawSocket, without a read buffer; a busy session keeps its
// reader. On WebSocket and RawSocket on Linux (AwaitInputFunc of
// websocket.Conn and rawsocket.Conn) an idle session waits with no
// goroutine at all: one shared poller (internal/idlepoll) starts its
// reader again once a message comes (pings and pongs that come alone are
// answered there, and the session waits on).
// A realm's state sits behind one mutex (realm.mu, then a session's queue
// mutex; nothing waits for a transport while holding either); the handling
// of one message, including queuing every message it causes, happens under
// it, which is what keeps the orders above. All exported methods are safe
// for concurrent use. Logging goes to Config.Logger (log/slog).
//
// On the event loop (LoopHandler) a session has no goroutine: the loop
// that owns its connection decodes each message and calls the same
// handling, and everything sent to the session is encoded into the
// connection's output queue (websocket.Conn.SendNow) by whichever
// goroutine routes it — a loop, another loop, a goroutine transport's
// reader, a timer — under realm.mu and a short per-session lock, never
// waiting: the queue refuses (ws.ErrQueueFull) instead, which the router
// treats as its own limits (LoopHandler). The hello and close timeouts are
// timers. The locks a loop takes on the way (realm.mu, the session's,
// ws's output lock, the Router's for joining and leaving) are held for
// bounded work only, encoding included; the one exception is
// Config.Logger, called under realm.mu for overload and protocol lines:
// a logger that blocks holds up the realm, and with it a loop.
//
// # Limits
//
// Not implemented yet: RawSocket on the event loop (RawSocket sessions
// run on goroutines).
package router
