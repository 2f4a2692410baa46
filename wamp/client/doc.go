// Package client is a WAMP client: Join a realm over any wamp.Transport
// (RawSocket, WebSocket, a router's in-process one) with anonymous, ticket,
// WAMP-CRA (salted too), WAMP-SCRAM or WAMP-cryptosign authentication, then
// Call, Register, Publish and Subscribe, with progressive results,
// progressive call invocations (StreamCall; RegisterOptions.Progressive
// and Invocation.NextPart), call canceling, pattern registrations and subscriptions, shared registrations,
// publisher exclusion and black/white listing, retained events. Component
// keeps a session joined across connection losses, retrying forever with
// Autobahn's backoff unless told otherwise, like Autobahn's Component.
//
// Connect dials a router URL (ws, wss, rs, rss, unix) and joins; Func0 …
// Func3 turn a plain Go function into a Handler:
//
//	s, err := client.Connect(ctx, "ws://127.0.0.1:9000/ws", "realm1", client.ConnectOptions{})
//	defer s.Leave(ctx, "")
//	add2 := func(ctx context.Context, x, y int) (int, error) { return x + y, nil }
//	_, err = s.Register(ctx, "com.example.add2", client.Func2(add2), nil)
//	res, err := s.Call(ctx, "com.example.add2", wamp.List{2, 3}, nil, nil) // res.Args[0] == 5
//
// Or over a transport of your choice, with authentication:
//
//	t, err := rawsocket.Dial(ctx, "tcp", "127.0.0.1:8080", rawsocket.Options{Serializer: cbor.Serializer{}})
//	s, err := client.Join(ctx, t, "realm1", client.JoinOptions{
//		AuthID:         "joe",
//		Authenticators: []client.Authenticator{&client.CRA{Secret: "s3cret"}},
//	})
//
// Positional and keyword arguments are Args (the specification's
// Arguments|list) and Kwargs (ArgumentsKw|dict) everywhere; Result is the
// one result type (Call returns it, a Handler returns it). A publisher
// does not receive its own event, even when it subscribes to the topic,
// unless PublishOptions.IncludeMe asks for it (the router's default is
// exclude_me=true).
//
// WAMP-SCRAM (SCRAM) follows Autobahn|Python's AuthScram byte for byte
// (the tests compare proofs with it), normalizes the authid with SASLprep
// (RFC 4013), and can bind the authentication to the TLS connection with
// SCRAM.ChannelBinding "tls-exporter" (TLS 1.3), "tls-unique" (TLS 1.2) or
// "tls-server-end-point", which defeats a man in the middle that terminates
// TLS; the router has to support the binding.
//
// Concurrency: a Session is safe for concurrent use. One goroutine per
// session reads the transport and routes answers to the waiting calls (no
// goroutine per call); it runs no user code. Event handlers run in order
// in one more goroutine; every invocation handler runs in a goroutine of
// its own (at most JoinOptions.MaxConcurrentInvocations at once, default
// 256) with a ctx that INTERRUPT or the session's end cancels (and that
// has the call's deadline when the dealer forwards its timeout,
// INVOCATION.Details.timeout: past it the caller gets wamp.error.timeout);
// a subscription the router revokes gets no more events and reports it
// (Subscription.Revoked); Call's
// OnProgress runs in the goroutine that called Call, before Call returns.
//
// What a handler (event, invocation, OnProgress, Component's OnJoin) may
// call: every Session method but Wait. It may Call, Publish, Subscribe …
// and wait for the answer (the reader never waits for a handler), and it
// may Close or Leave the session: Close returns once the transport is
// closed (a WebSocket's closing handshake, bounded by its CloseTimeout),
// Leave once the router's GOODBYE came (or its ctx ended) and the
// transport is closed; neither waits for handlers. Requests that wait for
// answers fail as soon as the session starts to end, with an error
// matching ErrSessionClosed (and the transport's error when the transport
// failed), not once the transport is closed.
// Wait waits until the session has ended and no handler runs any more, so
// from a handler it would wait for itself (until its ctx ends). To stop
// and then release what handlers use:
//
//	s.Close() // or s.Leave(ctx, "")
//	s.Wait(ctx)
//
// Every blocking method takes a context.Context first; when it ends, the
// method returns ctx.Err() (Call also sends CANCEL). A ctx bounds the wait
// for the answer and for room in the transport's write queue, never a
// write under way, which may carry other goroutines' messages too (the
// transport's write timeout bounds it).
//
// Panics: a panicking handler of any kind (event, invocation, OnProgress,
// Component's OnJoin and OnLeave) is recovered, logged once with its stack
// through JoinOptions.Logger (Component.Logger for OnJoin and OnLeave) and
// counted in Session.Stats().Panics; the caller of a panicking invocation
// gets ERROR wamp.error.runtime_error, an OnJoin panic counts as a failed
// attempt. The session goes on.
//
// Limits: at most JoinOptions.EventQueue events (default 4096) wait for
// their handlers, and as many progressive results for one call's
// OnProgress; one more fails the session with ErrEventQueueFull rather
// than stopping the reader (which would starve the answers a handler may
// be waiting for). As many parts of one progressive call invocation wait
// for its handler's NextPart; one more ends that call with
// wamp.error.unavailable and cancels its handler's ctx. Beyond MaxConcurrentInvocations running handlers, as
// many more INVOCATIONs wait for one to return; the next ones are answered
// with ERROR wamp.error.unavailable (counted in
// Session.Stats().RejectedInvocations), which a dealer may reroute to
// another callee of a shared registration. The client never imports a
// router.
package client
