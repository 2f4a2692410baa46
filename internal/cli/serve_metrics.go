package cli

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// metricsServer is --metrics-addr: /metrics and /healthz over plain HTTP
// on a port of their own, on net/http whichever driver serves --addr: it
// keeps scrapes off the public port, and keeps the connection alive
// where the loop's port answers one request per connection. A
// prefork child shares the port with the others (SO_REUSEPORT): a scrape
// reads the counters of the one process that answered, as on --addr.
type metricsServer struct {
	ln   net.Listener
	srv  *http.Server
	errc chan error
}

// listenMetrics listens on addr for the metrics port (metrics at
// /metrics, health at /healthz); it serves once serve is called.
func listenMetrics(addr string, metrics, health http.Handler, logger *slog.Logger) (*metricsServer, error) {
	ln, err := listenTCP(addr) // serve_flags.go: SO_REUSEPORT in a prefork child
	if err != nil {
		return nil, fmt.Errorf("serve: --metrics-addr: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", metrics)
	mux.Handle("/healthz", health)
	return &metricsServer{
		ln: ln,
		// A scrape is one small request: short bounds, 16 KiB heads.
		srv: &http.Server{
			Handler:           mux,
			ReadHeaderTimeout: 10 * time.Second,
			ReadTimeout:       10 * time.Second,
			WriteTimeout:      10 * time.Second,
			IdleTimeout:       2 * time.Minute,
			MaxHeaderBytes:    maxHeaderBytes,
			ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
		},
		errc: make(chan error, 1),
	}, nil
}

// announce prints the start-up line of the metrics port.
func announceMetrics(w io.Writer, addr any) {
	fmt.Fprintf(w, "autobahn serve: metrics on http://%s/metrics (and /healthz)\n", addr)
}

// serve serves the metrics port until Shutdown; wait returns its error.
func (m *metricsServer) serve() { go func() { m.errc <- m.srv.Serve(m.ln) }() }

// abort closes the port of a metrics server that never served (serve
// failed to start); nil does nothing.
func (m *metricsServer) abort() {
	if m != nil {
		_ = m.ln.Close()
	}
}

// wait returns the error that ended serve: nil after Shutdown.
func (m *metricsServer) wait() error {
	if err := <-m.errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
