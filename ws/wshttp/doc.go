// Package wshttp serves WebSocket connections from any net/http server.
//
//	http.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
//		c, err := wshttp.Accept(w, r, nil) // answered the error already
//		if err != nil {
//			return
//		}
//		defer c.Close(ws.StatusNormalClosure, "")
//		for {
//			op, p, err := c.ReadMessage(r.Context())
//			if err != nil {
//				return
//			}
//			if err := c.WriteMessage(r.Context(), op, p); err != nil {
//				return
//			}
//		}
//	})
//
// or, with a ws.Handler and graceful shutdown:
//
//	srv := &ws.Server{Handler: h}
//	http.Handle("/echo", wshttp.Handler(srv))
//	…
//	srv.Shutdown(ctx) // every connection gets a close frame with 1001
//
// A connection its handler reads and writes itself, beside such a
// Server's, can count as one of them (MaxConnections, Metrics,
// Shutdown) through AcceptConn: the WAMP transport's Accept does with
// its Options.Server.
//
// Accept hijacks the connection through http.ResponseController, so
// middleware that wraps the ResponseWriter works as long as it implements
// Unwrap. HTTP/2 requests cannot be upgraded (RFC 8441 is not supported:
// an extended CONNECT, which net/http lets through with
// GODEBUG=http2xconnect=1, is answered 405).
// http.Server.Shutdown does not see hijacked connections: call
// ws.Server.Shutdown as well.
//
// The returned *ws.Conn follows the ws package's concurrency rules: one
// reader, any number of writers.
//
// # Limits
//
// net/http's defaults are not safe for a public server: a request head may
// take 1 MB and forever, and an idle keep-alive connection is kept forever.
// Bound them; wshttp clears the deadlines of the connections it takes over,
// so they do not cut WebSocket connections:
//
//	hs := &http.Server{
//		Handler:           mux,
//		ReadHeaderTimeout: 10 * time.Second,
//		ReadTimeout:       30 * time.Second, // a whole request, slow bodies too
//		WriteTimeout:      30 * time.Second,
//		IdleTimeout:       2 * time.Minute,
//		MaxHeaderBytes:    16 << 10,
//	}
//
// net/http has no bound on the number of header lines (MaxHeaderBytes lets
// ~1,000 short ones through): wshttp answers an upgrade with more than
// ws.DefaultMaxHeaders (64, Host included) with 431 and closes its
// connection, as ws.Server and wsloop refuse it.
package wshttp
