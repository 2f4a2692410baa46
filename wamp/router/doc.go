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
// wamp.error.no_auth_method, wamp.error.authentication_failed (ticket);
// authentication by ticket (RealmConfig.Tickets) and anonymous. A session
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
// call_canceling): CALL → INVOCATION → YIELD → RESULT, the callee's ERROR
// forwarded, wamp.error.no_such_procedure; progressive results to callers
// that asked (receive_progress); prefix and wildcard registrations (exact
// beats the longest prefix beats wildcard, INVOCATION.Details.procedure
// set for patterns); shared registrations with invoke single, roundrobin,
// random, first or last (a REGISTER with another policy, or any second
// one under single, gets wamp.error.procedure_already_exists); caller
// disclosure (disclose_me, disclose_caller); CANCEL with skip, kill and
// killnowait (the default; skip for callees that did not announce
// call_canceling). A caller that leaves has its pending invocations
// interrupted (killnowait); a callee that leaves makes its pending calls
// fail with wamp.error.canceled. Every CALL gets exactly one RESULT or
// ERROR while the caller's session lives. Progressive call invocations
// (CALL progress) are refused with wamp.error.feature_not_supported.
//
// Broker (WELCOME announces: publisher_exclusion,
// subscriber_blackwhite_listing, publisher_identification,
// pattern_based_subscription): SUBSCRIBE, UNSUBSCRIBE, PUBLISH with
// acknowledge, exclude_me (default true), eligible and exclude lists by
// session ID, authid and authrole, publisher disclosure, prefix and
// wildcard subscriptions (every matching subscription gets the event,
// EVENT.Details.topic set for patterns). Events from one publisher reach
// each subscriber in the order published; SUBSCRIBED comes before the
// subscription's first EVENT. Every EVENT has a Details map of its own;
// Args and Kwargs are shared between the events of one publication and
// with the PUBLISH (and the INVOCATION shares the CALL's): nobody may
// modify them.
//
// URIs are checked with wamp.ValidURI, loose or, with
// RealmConfig.StrictURI, strict rules (wamp.error.invalid_uri). Matching
// costs time in the length of the URI, not in the number of patterns: an
// exact map, a radix tree of prefixes and a component trie of wildcards
// per realm (BenchmarkMatch).
//
// # Never losing silently
//
// Everything sent to a session goes through its outbound queue, which
// counts the estimated encoded size of what it holds against a soft limit
// (Config.QueueSoftLimit, default 1 MiB) and a hard limit (twice that):
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
// one message.
//
// # Concurrency
//
// On goroutine transports every session has two goroutines: one reads and
// handles each message as a plain function call, one (the queue's owner)
// writes what is queued. No goroutine is started per call or per event.
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
// Not implemented yet: the meta API (wamp.session.*, wamp.registration.*,
// wamp.subscription.*), authorization (roles and permissions), wampcra,
// scram and cryptosign authentication, call timeouts (the client's own
// timeout and CANCEL work), event retention and history, payload
// passthru beyond forwarding Payload and the enc_* options, and RawSocket
// on the event loop (RawSocket sessions run on goroutines).
package router
