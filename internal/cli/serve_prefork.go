package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/autobahn-go/autobahn/prefork"
)

// runPrefork is serve --procs N in the parent: it reserves the ports
// (resolving port 0 once for all), starts N copies of this command with
// the resolved addresses, lists the listeners when every copy serves, and
// supervises them (package prefork) until ctx is done: then each gets
// SIGTERM, closes its connections with 1001 and exits 0.
func runPrefork(ctx context.Context, f *serveFlags, args []string, stdout, stderr io.Writer, logger *slog.Logger) error {
	childArgs := append([]string{"serve"}, args...)
	var resolved []string
	for _, a := range []struct{ flag, addr string }{{"addr", f.addr}, {"loop-addr", f.loopAddr}, {"rawsocket-addr", f.rawAddr}, {"metrics-addr", f.metricsAddr}} {
		if a.addr == "" {
			resolved = append(resolved, "")
			continue
		}
		// The children's sockets carry SO_REUSEPORT: first make sure no
		// other process listens there (serve_flags.go).
		err := checkAddrFree(a.addr)
		var ra net.Addr
		var hold io.Closer
		if err == nil {
			ra, hold, err = prefork.Reserve("tcp", a.addr)
		}
		if err != nil {
			return fmt.Errorf("serve --procs: --%s: %w", a.flag, err)
		}
		defer hold.Close()
		resolved = append(resolved, ra.String())
		childArgs = append(childArgs, "--"+a.flag, ra.String()) // the last value of a flag wins
	}
	addr, loopAddr, rawAddr, metricsAddr := resolved[0], resolved[1], resolved[2], resolved[3]
	loopScheme := "ws"
	if f.driver == "loop" && f.tlsCert != "" {
		loopScheme = "wss"
	}
	mainScheme := "ws"
	if f.tlsCert != "" {
		mainScheme = "wss"
	}
	ready := func(pids []int) {
		if f.driver == "std" {
			announceHTTP(stdout, addr, f.tlsCert != "")
		} else {
			announceLoop(stdout, addr, f.tlsCert != "")
		}
		if loopAddr != "" {
			fmt.Fprintf(stdout, "autobahn serve: event-loop WebSocket echo on %s://%s/\n", loopScheme, loopAddr)
		}
		fmt.Fprintf(stdout, "autobahn serve: WAMP router, realm %s, on %s://%s/ws", f.realm, mainScheme, addr)
		if loopAddr != "" {
			fmt.Fprintf(stdout, " and %s://%s/ws (event loop)", loopScheme, loopAddr)
		}
		if rawAddr != "" {
			fmt.Fprintf(stdout, " and rawsocket tcp://%s", rawAddr)
		}
		if f.fabric.Joins != nil && f.fabric.Joins() {
			fmt.Fprintln(stdout, " (one router per process, each joining the fabric: realms are shared through it)")
		} else {
			fmt.Fprintln(stdout, " (one router per process: realms are not shared between processes)")
		}
		if metricsAddr != "" {
			announceMetrics(stdout, metricsAddr) // serve_metrics.go
		}
		ps := make([]string, len(pids))
		for i, p := range pids {
			ps[i] = strconv.Itoa(p)
		}
		fmt.Fprintf(stdout, "autobahn serve: %d processes share these ports (SO_REUSEPORT), pids %s; parent %d restarts those that die\n",
			len(pids), strings.Join(ps, " "), os.Getpid())
	}
	err := prefork.Run(ctx, prefork.Options{
		Procs:  f.procs,
		Args:   childArgs,
		Stdout: io.Discard, // the children print nothing there: see ready
		Stderr: stderr,
		Ready:  ready,
		Logger: logger,
		// Past the children's own bound, they are killed.
		ShutdownTimeout: f.shutdownTimeout + 20*time.Second,
	})
	if errors.Is(err, errors.ErrUnsupported) {
		return usageError{fmt.Errorf("serve --procs: %w", err)}
	}
	return err
}

// announceHTTP prints the start-up line of the net/http listener.
func announceHTTP(w io.Writer, addr any, tls bool) {
	if tls {
		fmt.Fprintf(w, "autobahn serve: https://%s/ (WebSocket echo on wss://%s/echo)\n", addr, addr)
		return
	}
	fmt.Fprintf(w, "autobahn serve: http://%s/ (WebSocket echo on ws://%s/echo)\n", addr, addr)
}

// announceLoop prints the start-up line of --addr on the event loop
// (--driver loop, the default): the page's URL first, as announceHTTP.
func announceLoop(w io.Writer, addr any, tls bool) {
	page, echo := "http", "ws"
	if tls {
		page, echo = "https", "wss"
	}
	fmt.Fprintf(w, "autobahn serve: %s://%s/ (driver loop, the event loop: WebSocket echo on %s://%s/echo; the page, /metrics and /healthz too)\n",
		page, addr, echo, addr)
}

// serveHealth answers /healthz: the process serves. The pid tells which
// prefork child answered.
func serveHealth(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	fmt.Fprintf(w, "{\"status\":\"ok\",\"pid\":%d}\n", os.Getpid())
}

// health is serve's /healthz: serveHealth until stopping, then 503
// {"status":"shutting down"}, so that a load balancer stops sending
// clients while the router says GOODBYE to its sessions (it refuses new
// ones from then on) and the servers close theirs.
type health struct{ stopping atomic.Bool }

func (h *health) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !h.stopping.Load() {
		serveHealth(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusServiceUnavailable)
	fmt.Fprintf(w, "{\"status\":\"shutting down\",\"pid\":%d}\n", os.Getpid())
}

// closeListener closes ln if there is one.
func closeListener(ln net.Listener) {
	if ln != nil {
		_ = ln.Close()
	}
}
