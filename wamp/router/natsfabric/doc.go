// Package natsfabric federates WAMP routers (package wamp/router) over
// NATS: sessions on any router of a cluster publish to the subscribers
// of every router and call the callees of every router, as if they were
// on one. It is a module of its own so that the router's module needs
// neither NATS nor its Go version. Its command cmd/autobahn-fabric is the
// autobahn binary with NATS: `autobahn-fabric serve --nats URL` joins a
// cluster, `--nats-embedded` starts one in the process.
//
// Each router gets a Fabric on a NATS connection, as router.Config.Fabric:
//
//	nc, _ := nats.Connect(url) // or nats.InProcessServer(ns) for an embedded server
//	f := natsfabric.New(nc, natsfabric.Options{})
//	r, _ := router.New(router.Config{Realms: realms, Fabric: f})
//	...
//	f.Close() // before r.Close: the others drop this router's registrations at once
//	r.Close(ctx)
//
// # Publications
//
// A publication goes to the subject wamp.<realm>.<topic> (see Subject for
// the escaping of what NATS forbids in subjects) once the publisher's
// router has delivered it locally. A router subscribes to the subjects
// its subscriptions need (router.FabricInterest), one NATS subscription
// per distinct subject, made with the router's first subscription that
// needs it and ended with its last: an exact topic's subject; a
// wildcard's with '*' for its empty components (com..x:
// wamp.<realm>.com.*.x); for a prefix, its whole components then '>'. A
// WAMP prefix matches by string, not by component ("com.a" matches
// "com.ab" and "com.a.b"), so the last component of a prefix is left out
// of its subject (com.a: wamp.<realm>.com.>, com.a.: wamp.<realm>.com.a.>;
// a prefix of one component takes the realm's every publication), and
// the router's own matching sorts out what does not match. NATS delivers
// nothing to a router without a matching subscription.
//
// The router delivers what comes to its own subscribers, matching their
// exact, prefix and wildcard subscriptions itself: publisher exclusion
// (exclude_me, by default), the exclude and eligible lists (session ID,
// authid, authrole), publisher disclosure, the publisher's router's trust
// level and the payload passthru options hold across routers as within
// one. The publication ID is the same on every router. Order is kept per
// publisher and subscriber, across topics: every subject's messages come
// through one channel and one goroutine, in the order the NATS
// connection receives them. A publication that matches several of a
// router's subjects comes once per subject; the copies, one after the
// other among those of its router, are dropped by publication ID, so
// each subscription gets it once (Stats counts them).
//
// A SUBSCRIBE that needs a subject the router does not have yet is held
// until the NATS server confirmed the new subscription (a flush, at most
// 5 s), then answered: what another router publishes after SUBSCRIBED
// reaches the subscriber. With a cluster of NATS servers, interest
// reaches the other servers a little later (NATS propagates it
// asynchronously): a publication through another server in that moment
// may miss the new subscription.
//
// # Calls
//
// Every router announces its registrations (procedure, match, invoke
// policy) on wampfab.announce every Options.Heartbeat and whenever they
// change; the others register a router.RemoteCallee for each of them, so
// their dealers route calls to it with the usual rules: a shared
// registration (roundrobin, random, first, last) may mix callees of
// several routers and honours the policy over all of them; single
// registrations are single cluster-wide (the second router's is refused;
// the conflict is logged and retried with each announcement). A call to
// a RemoteCallee is a NATS request to its router (wampfab.<node>.call),
// which runs it on its local callees of that registration and answers on
// wampfab.<node>.reply.<n>: RESULT, or the callee's ERROR. Caller
// disclosure is decided by the callee's router (the registration's
// disclose_caller, the CALL's disclose_me); the call timeout runs on both
// routers. Authorization is the caller's router's. Each router applies a
// shared registration's policy to the callees it knows: roundrobin
// rotates per calling router, not cluster-wide. When a router's
// registration goes (its last callee unregistered), the others take its
// RemoteCallee off the registration as its announcement arrives, and the
// calls in flight to it run to their end, as within one router (or end
// with ERROR wamp.error.canceled when its router stops, see below).
//
// Progressive results, progressive call invocations and CANCEL cross
// routers too (Fabric implements router.FabricCallControl, so a remote
// callee announces call_canceling and progressive_call_invocations). The
// call's reply subject names it: the caller's router sends the caller's
// CANCEL (kill, killnowait; skip stays on the caller's router, as it
// tells the callee nothing), the INTERRUPT of a caller that left or whose
// call timeout passed (killnowait), and the further parts of a
// progressive call invocation to the callee's router's call subject with
// that reply subject, so they arrive after the call and in order. The
// caller's dealer applies the mode as for a local callee that announced
// call_canceling (ERROR wamp.error.canceled to the caller at once for
// skip and killnowait, the callee's router's answer for kill); the
// callee's router's dealer does what it does for a local caller:
// INTERRUPT to its callee, or, when the callee did not announce
// call_canceling, mode skip (ERROR wamp.error.canceled at once). The
// callee's router sends the progressive results of a call whose caller
// asked for them (receive_progress) on the reply subject, numbered, in
// the order the callee yielded them, then the final RESULT or ERROR with
// their count in a header; the caller's router delivers them in that
// order, and ends the call with ERROR wamp.error.canceled (interrupting
// it on the callee's router) if one is missing. Every call still gets
// exactly one final RESULT or ERROR. A progressive call invocation goes
// to a remote callee as to a local one, but the callee's router gives it
// only to a callee of its own that announced progressive_call_invocations
// and call_canceling, and answers ERROR wamp.error.feature_not_supported
// when it has none (the caller's router cannot know that beforehand).
//
// # Routers that stop
//
// A router whose Fabric closes tells the others, which drop its
// registrations at once; the calls from other routers it was running are
// answered with ERROR wamp.error.canceled, and their callees interrupted
// (killnowait). A router that stops without a
// word (a crash, a cut connection) loses its registrations on the others
// within TTL + Heartbeat of its last announcement (3 s + 1 s by default);
// the calls in flight to it then get ERROR wamp.error.canceled. Either
// way, the calls it had running on the others are interrupted
// (killnowait), as a local caller's are when it leaves. A router's own
// pause (its process stalled past the TTL) does not make it forget the
// others: while its connection is up, it forgets a router only once
// TTL / Heartbeat (two at least) of its own announcements came back after
// that router's last one (or after 10 × TTL); a connection with
// nats.NoEcho hears none of its own, and forgets past the TTL. A router
// whose NATS connection reconnected ends the calls it had sent to others
// before with ERROR wamp.error.canceled within a Heartbeat (their answers
// may have come while it was away, and NATS keeps nothing for it) and
// interrupts them on their callee's routers. A call is never left without
// an answer, except for a request lost inside NATS while both routers
// live on (a slow consumer over the subscription's pending limit); a call
// timeout bounds that.
//
// # Limits
//
// Calls in flight from one router to the others are bounded by
// Options.MaxPending; past it calls fail over to the next callee or end
// with wamp.error.no_available_callee. A message larger than the NATS
// server's max_payload (1 MiB by default) is not federated: the
// publication reaches the local subscribers only; a call, or a part of
// a progressive call invocation, is refused with router.ErrFabricTooLarge
// (the call fails over to the next callee, else its caller gets ERROR
// wamp.error.payload_size_exceeded); an answer becomes ERROR wamp.error.payload_size_exceeded (a
// progressive result too: the call then ends, its callee interrupted).
// An answer with a value the fabric's CBOR has no form for (a string that
// is not UTF-8) becomes ERROR wamp.error.invalid_argument, as the answer
// a caller's serialization refuses does within a router; a call or a
// part of a progressive call invocation with such a value is refused
// with router.ErrFabricUnencodable, which the caller gets as the same
// ERROR when no other callee takes the call. An
// announcement carries all of a router's registrations and must fit in
// max_payload too (some 10,000 registrations). Each NATS subscription
// of control traffic queues at most nats.go's pending limits (64 MiB)
// before it drops; publications wait in one queue of at most 16,384
// messages (nats.go bounds a channel subscription by count only: each is
// at most max_payload) before NATS drops them. A topic whose subject is
// longer than 2,048 bytes is not federated (the NATS server closes a
// connection whose protocol line passes its max_control_line). The
// router writes publications and calls to the connection under a realm's
// lock: a NATS connection that cannot take them holds the realm up, for
// as long as nats.go's write deadline at most. A connection made with
// nats.NoEcho() is not sent its own publications back (the fabric drops
// them otherwise).
//
// # Meta API
//
// With a Fabric, wamp.session.count, wamp.session.list and
// wamp.session.get answer for the whole cluster (router.FabricSessions):
// every router announces the sessions of each realm (ID, authid,
// authrole, authmethod, authprovider) on wampfab.sessions when sessions
// join or leave (at most every 20 ms), every Heartbeat, and when another
// router starts; each router answers from its own sessions and the last
// announcement of every other router not missed (heard from within TTL,
// or, after a stall of this router's own, as for its registrations: see
// Routers that stop). The answer is
// the cluster as this router last heard of it: a session that joined
// another router a moment ago may be missing, one that left may be
// counted, for the time an announcement takes to cross NATS; a router
// that stopped without a word is counted until TTL after its last
// announcement. A remote
// session's wamp.session.get details have transport {"type": "fabric",
// "peer": "fabric:<node>"}. wamp.session.kill and the other kill
// procedures, and the session meta events (on_join, on_leave), stay
// with each router (wamp.session.kill with the ID of another router's
// session answers wamp.error.feature_not_supported, naming that router);
// so do the subscription and registration meta APIs.
// A realm's sessions on one router are announced in one message, which
// must fit in max_payload (some 10,000 sessions with short authids); a
// larger list is not announced (logged), and the other routers drop the
// last one after TTL.
//
// # Retention and history
//
// Without Options.JetStream (the default) a retained event stays with
// the router that took its PUBLISH: a get_retained SUBSCRIBE on another
// router does not get it. An event history records every publication
// that reaches its router, its own sessions' and other routers' (a
// router subscribes to its histories' subjects from Start): the routers
// that run keep the same events, with the same publication IDs, each
// timestamped when its router had it; a router started later has only
// what came after.
//
// Options.JetStream keeps both for the cluster on the NATS server's
// JetStream, which must be there: without it router.New fails with an
// error that says so. Retained events go to the stream WAMPFAB_RETAINED,
// on the subjects wampret.<realm>.<topic> (the tokens of Subject), which
// keeps the last message of each subject, at most Options.RetainedBytes
// in all (DefaultRetainedBytes, 256 MiB; past it the oldest topics go).
// The router that takes a retained PUBLISH and keeps it sends it there
// after its local delivery (no acknowledgement: like a publication, at
// most once); one that declines it (its realm's retention bounds) sends a
// marker (header Wampfab-Retained: cleared) instead: the topic's retained
// event is gone. A SUBSCRIBE with get_retained=true is held while its
// router fetches the last message of every subject its subscription may
// match (one JetStream request for a topic; for a pattern, one for the
// names of the matching subjects, then one per subject), at most the
// realm's RetainedTopics of them, in subject order, and about its
// RetainedBytes: they replace the router's own retained events of their
// topics, within the realm's bounds (router.FabricRetain), and the
// SUBSCRIBE is answered, followed by the retained events the subscriber
// is eligible for, as on one router. A realm with retention off
// (RetainedTopics negative) neither sends nor fetches. At most 64 fetches
// run at a time and each request has 5 s: past that, or when JetStream
// fails, the SUBSCRIBE gets the router's own retained events (logged). A
// retained PUBLISH through another router that JetStream has not stored
// when the fetch reads is missed (the subscriber gets the one before, as
// a SUBSCRIBE just ahead of the PUBLISH would); one its own router took
// while the fetch ran wins over the fetched one.
//
// Event histories keep being filled live as above; JetStream adds what
// was published before a router started (decided so: a history takes
// federated events as its own while its router runs, and a stream is read
// once, at Start). Each history (realm, URI, match) has a stream,
// WAMPFAB_HIST_<hash>, on the subject the router subscribes to for it: it
// stores the publications as they cross NATS (no message more per
// publication), the last Limit of them and at most
// router.HistoryRingBytes. Start makes the stream (or updates it: with
// differing configurations the last router's Limit holds) and loads it,
// oldest first, before what the history has, each publication once (by
// ID; NATS's live copies of the loaded ones are dropped for a TTL),
// timestamped when JetStream stored it; get_events then answers with its
// usual filters and limits. JetStream stores a publication just after
// NATS routed it: a load reads on until it read what was stored before
// the first publication the router had live (waiting up to 5 s for it
// to be stored), or, when none came yet, up to the stream's last
// sequence. Loading takes a JetStream request per 256 events:
// a router with large histories starts that much later. A prefix
// history whose URI does not end in '.' (com.a) has the stream of its
// whole components (com.>), whose Limit also counts the publications of
// topics it does not match (com.b): it may load fewer than Limit events;
// its URI ending in '.' (com.a.) avoids that. The NATS server refuses
// streams whose subjects overlap (an exact history under a prefix
// history's subject, say): such a history keeps what reaches its router
// only (logged). Publications that are not federated (over max_payload,
// or a topic over 2,048 bytes) are not in the streams either. The streams
// have one replica, on files: with a cluster of NATS servers they live
// on one of them.
//
// # Latency
//
// A call across routers costs what a call within one costs plus one NATS
// round trip: the request to the callee's router and the answer back,
// each through nats.go's flusher and subscription goroutines and the
// NATS server. The issue's target, "cross-router RPC adds ≤ 2× the
// in-router p50 latency on loopback", is read as p50(across) −
// p50(within one router) ≤ 2 × p50(within one router), both with WAMP
// clients over loopback WebSocket, one call at a time (BenchmarkCallWS).
// On a shared 2-core machine (load average 5 to 8) the p50 within one
// router was 35–38 µs; across routers it added 0.6–0.9× with the NATS
// server embedded (in-process connections), 0.7–1.4× over loopback TCP
// to it, and 1.7–2.2× to a nats-server process of its own (over 2× only
// at load average 8: three processes on two busy cores). The bare NATS
// round trip (BenchmarkNATSRoundTrip) is most of what is added: 14–21 µs
// in process, 22–36 µs over loopback TCP; the fabric's encoding and
// decoding of a call and its answer take some 2–3 µs (BenchmarkWireCall).
//
// # Concurrency
//
// A Fabric is safe for concurrent use. Lock order: the fabric's peer
// table, then a realm's lock, then the fabric's call tables, subject
// table (events.go), session table (meta.go) and JetStream state
// (retain.go); the router
// calls the Fabric under a realm's lock and the Fabric never calls the
// router from there.
package natsfabric
