package cli

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/router"
	"github.com/autobahn-go/autobahn/ws/wsmetrics"
)

// metricsHandler serves GET /metrics in the Prometheus text format: the
// WebSocket counters m shared by serve's servers (echo and WAMP, on both
// drivers), then the number of WAMP sessions joined to realm (a gauge).
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
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		_, _ = w.Write(b.Bytes())
	})
}

// escapeLabel escapes a Prometheus label value: backslash, double quote
// and newline.
func escapeLabel(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s)
}
