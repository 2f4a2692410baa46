// Package natsfabric federates WAMP routers (package wamp/router) over
// NATS: sessions on any router of a cluster publish to the subscribers
// of every router and call the callees of every router, as if they were
// on one. It is a module of its own so that the router's module needs
// neither NATS nor its Go version.
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
// router has delivered it locally. Every router subscribes to its realms'
// subjects (wamp.<realm>.>) and delivers what comes to its own
// subscribers, matching their exact, prefix and wildcard subscriptions
// itself: publisher exclusion (exclude_me, by default), the exclude and
// eligible lists (session ID, authid, authrole), publisher disclosure,
// the publisher's router's trust level and the payload passthru options
// hold across routers as within one. The publication ID is the same on
// every router. Order is kept per publisher and subscriber.
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
// registration goes (its last callee unregistered), the calls in flight
// to it from other routers end with ERROR wamp.error.canceled as soon as
// its announcement arrives, where within one router they would run to
// their end.
//
// # Routers that stop
//
// A router whose Fabric closes tells the others, which drop its
// registrations at once; the calls from other routers it was running are
// answered with ERROR wamp.error.canceled. A router that stops without a
// word (a crash, a cut connection) loses its registrations on the others
// within TTL + Heartbeat of its last announcement (3 s + 1 s by default);
// the calls in flight to it then get ERROR wamp.error.canceled. A call
// is never left without an answer, except for a request lost inside NATS
// while both routers live on (a slow consumer over the subscription's
// pending limit); a call timeout bounds that.
//
// # Limits
//
// Calls in flight from one router to the others are bounded by
// Options.MaxPending; past it calls fail over to the next callee or end
// with wamp.error.no_available_callee. A message larger than the NATS
// server's max_payload (1 MiB by default) is not federated: the
// publication reaches the local subscribers only; a call fails over as
// above; an answer becomes ERROR wamp.error.payload_size_exceeded. An
// announcement carries all of a router's registrations and must fit in
// max_payload too (some 10,000 registrations). Each NATS subscription
// queues at most nats.go's pending limits (64 MiB) before it drops. The
// router writes publications and calls to the connection under a realm's
// lock: a NATS connection that cannot take them holds the realm up, for
// as long as nats.go's write deadline at most. A connection made with
// nats.NoEcho() is not sent its own publications back (the fabric drops
// them otherwise).
//
// Not done yet: progressive call results and progressive call
// invocations across routers (a callee on another router is not offered
// progressive calls; its final result only is forwarded), CANCEL across
// routers (a remote callee is treated as one without call_canceling:
// mode skip), the session meta API for the whole cluster, retained events
// and event history on JetStream (they stay with each router), and
// subject-based interest (every router receives every publication of its
// realms).
//
// # Concurrency
//
// A Fabric is safe for concurrent use. Lock order: the fabric's peer
// table, then a realm's lock, then the fabric's call tables; the router
// calls the Fabric under a realm's lock and the Fabric never calls the
// router from there.
package natsfabric
