// Package client is a WAMP client: Join a realm over any wamp.Transport
// (RawSocket, WebSocket) with anonymous, ticket, WAMP-CRA (salted too),
// WAMP-SCRAM or WAMP-cryptosign authentication, then Call, Register,
// Publish and Subscribe, with progressive results, call canceling, pattern
// registrations and subscriptions, shared registrations, publisher
// exclusion and black/white listing, retained events. Component keeps a
// session joined across connection losses with a backoff policy, like
// Autobahn's Component.
//
//	t, err := rawsocket.Dial(ctx, "tcp", "127.0.0.1:8080", rawsocket.Options{Serializer: cbor.Serializer{}})
//	s, err := client.Join(ctx, t, "realm1", client.JoinOptions{
//		AuthID:         "joe",
//		Authenticators: []client.Authenticator{&client.CRA{Secret: "s3cret"}},
//	})
//	defer s.Leave(ctx, "")
//	res, err := s.Call(ctx, "com.example.add", wamp.List{2, 3}, nil, nil)
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
// goroutine per call); event handlers run in order in one more goroutine;
// every invocation handler runs in its own goroutine with a ctx that
// INTERRUPT cancels. Call's OnProgress runs in the reading goroutine and
// must not block. A handler may call back into the session and wait for
// the answer: the reader never waits for event handlers.
//
// Every blocking method takes a context.Context first; when it ends, the
// method returns ctx.Err() (Call also sends CANCEL).
//
// Limits: at most JoinOptions.EventQueue events (default 4096) wait for
// their handlers; one more fails the session with ErrEventQueueFull
// rather than stopping the reader (which would starve the answers a
// handler may be waiting for). The client never imports a router.
package client
