package cli

import (
	"bytes"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/router"
	"github.com/autobahn-go/autobahn/ws/wsmetrics"
)

// metricsHandler serves GET /metrics in the Prometheus text format: the
// WebSocket counters m shared by serve's servers (echo and WAMP, on both
// drivers), then the number of WAMP sessions joined to realm (a gauge)
// and the router's counters (router.Stats).
func metricsHandler(m *wsmetrics.Set, r *router.Router, realm string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Method != http.MethodGet && req.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		var b bytes.Buffer
		_ = m.WriteText(&b) // a bytes.Buffer does not fail
		b.WriteString("# HELP autobahn_wamp_sessions WAMP sessions joined to a realm.\n")
		b.WriteString("# TYPE autobahn_wamp_sessions gauge\n")
		b.WriteString(`autobahn_wamp_sessions{realm="` + escapeLabel(realm) + `"} `)
		b.WriteString(strconv.Itoa(r.SessionCount(wamp.URI(realm))))
		b.WriteByte('\n')
		writeRouterStats(&b, r.Stats())
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		_, _ = w.Write(b.Bytes())
	})
}

// writeRouterStats writes the router's counters (router.Stats) in the
// Prometheus text format.
func writeRouterStats(b *bytes.Buffer, st router.Stats) {
	counter := func(name, help string) {
		b.WriteString("# HELP " + name + " " + help + "\n# TYPE " + name + " counter\n")
	}
	sample := func(name, labels string, v uint64) {
		b.WriteString(name + labels + " " + strconv.FormatUint(v, 10) + "\n")
	}
	counter("autobahn_wamp_sessions_joined_total", "WAMP sessions welcomed.")
	sample("autobahn_wamp_sessions_joined_total", "", st.Joined)
	counter("autobahn_wamp_sessions_closed_total",
		"WAMP sessions ended, by the reason of the router's ABORT or GOODBYE (transport_ended: the transport ended first).")
	for _, reason := range slices.Sorted(maps.Keys(st.Closed)) {
		label := string(reason)
		if label == "" { // Prometheus reads an empty label value as no label
			label = "transport_ended"
		}
		sample("autobahn_wamp_sessions_closed_total", `{reason="`+escapeLabel(label)+`"}`, st.Closed[reason])
	}
	counter("autobahn_wamp_events_dropped_total", "WAMP events dropped for slow subscribers (slow-subscriber policy drop), too large for a subscriber's transport or not encodable in its serialization.")
	sample("autobahn_wamp_events_dropped_total", "", st.EventsDropped)
	counter("autobahn_wamp_unencodable_total", "WAMP messages their peer's serializer cannot encode (a NaN or an infinity for JSON): events dropped, calls rerouted or answered with wamp.error.invalid_argument.")
	sample("autobahn_wamp_unencodable_total", "", st.Unencodable)
	counter("autobahn_wamp_requests_refused_total", "WAMP requests refused at a per-session limit (wamp.error.limit_exceeded).")
	sample("autobahn_wamp_requests_refused_total", `{request="call"}`, st.RefusedCalls)
	sample("autobahn_wamp_requests_refused_total", `{request="subscribe"}`, st.RefusedSubscriptions)
	sample("autobahn_wamp_requests_refused_total", `{request="register"}`, st.RefusedRegistrations)
	counter("autobahn_wamp_user_code_panics_total", "Panics recovered in user code the router calls (an Authenticator or Authorizer): each refused its one request.")
	sample("autobahn_wamp_user_code_panics_total", "", st.Panics)
}

// escapeLabel escapes a Prometheus label value: backslash, double quote
// and newline.
func escapeLabel(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s)
}
