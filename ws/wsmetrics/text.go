package wsmetrics

import (
	"bufio"
	"io"
	"sort"
	"strconv"
)

// Prefix starts the name of every metric WriteText writes.
const Prefix = "websocket_"

// WriteText writes s's counters to w in the Prometheus text exposition
// format (version 0.0.4: "# HELP", "# TYPE" and `name{labels} value`
// lines), under names starting with Prefix:
//
//	websocket_connections_opened_total, _closed_total (counter), _active (gauge)
//	websocket_connection_duration_seconds (histogram)
//	websocket_messages_total{direction="in"|"out"} (counter)
//	websocket_message_bytes_total{direction="in"|"out"} (counter)
//	websocket_message_size_bytes{direction="in"|"out"} (histogram)
//	websocket_closes_total{code="1000".."1015"|"other"} (counter)
//	websocket_handshakes_rejected_total{status="400"|...|"other"} (counter)
//
// It returns the first write error. A nil Set writes zeros: the series
// of a Set that counted nothing, histogram buckets included.
func (s *Set) WriteText(w io.Writer) error {
	if s == nil {
		s = new(Set)
	}
	return s.Snapshot().WriteText(w)
}

// WriteText writes snap as Set.WriteText does.
func (snap Snapshot) WriteText(w io.Writer) error {
	b := bufio.NewWriter(w)
	t := textWriter{b: b}
	t.scalar("connections_opened_total", "counter", "WebSocket connections opened (handshake answered with 101).", snap.Opened)
	t.scalar("connections_closed_total", "counter", "WebSocket connections closed (OnClose called, or ended).", snap.Closed)
	t.scalar("connections_active", "gauge", "WebSocket connections open now.", snap.Active)
	t.histogram("connection_duration_seconds", "Lifetime of closed WebSocket connections.", "", snap.Durations, true)
	t.header("messages_total", "counter", "WebSocket messages delivered (in) or accepted for sending (out).")
	t.sample("messages_total", `direction="in"`, strconv.FormatUint(snap.MessagesIn, 10))
	t.sample("messages_total", `direction="out"`, strconv.FormatUint(snap.MessagesOut, 10))
	t.header("message_bytes_total", "counter", "WebSocket message payload bytes, after decompression in and before compression out.")
	t.sample("message_bytes_total", `direction="in"`, strconv.FormatUint(snap.BytesIn, 10))
	t.sample("message_bytes_total", `direction="out"`, strconv.FormatUint(snap.BytesOut, 10))
	t.histogram("message_size_bytes", "WebSocket message payload sizes.", `direction="in"`, snap.SizesIn, true)
	t.histogram("message_size_bytes", "", `direction="out"`, snap.SizesOut, false)
	t.labelled("closes_total", "counter", "WebSocket connections closed, by the close code OnClose got.", "code", snap.CloseCodes)
	t.labelled("handshakes_rejected_total", "counter", "WebSocket opening handshakes refused, by HTTP status.", "status", snap.Rejected)
	if t.err != nil {
		return t.err
	}
	return b.Flush()
}

// textWriter writes exposition lines; the first error sticks.
type textWriter struct {
	b   *bufio.Writer
	err error
}

func (t *textWriter) str(parts ...string) {
	for _, p := range parts {
		if t.err == nil {
			_, t.err = t.b.WriteString(p)
		}
	}
}

func (t *textWriter) header(name, typ, help string) {
	t.str("# HELP ", Prefix, name, " ", help, "\n", "# TYPE ", Prefix, name, " ", typ, "\n")
}

func (t *textWriter) sample(name, labels, value string) {
	t.str(Prefix, name)
	if labels != "" {
		t.str("{", labels, "}")
	}
	t.str(" ", value, "\n")
}

func (t *textWriter) scalar(name, typ, help string, v uint64) {
	t.header(name, typ, help)
	t.sample(name, "", strconv.FormatUint(v, 10))
}

// labelled writes a counter with one label, its values in sorted order.
func (t *textWriter) labelled(name, typ, help, label string, m map[string]uint64) {
	t.header(name, typ, help)
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		t.sample(name, label+`="`+k+`"`, strconv.FormatUint(m[k], 10))
	}
}

// histogram writes h's _bucket, _sum and _count series, with labels
// (possibly "") on each; head says whether to write HELP and TYPE first.
func (t *textWriter) histogram(name, help, labels string, h Histogram, head bool) {
	if head {
		t.header(name, "histogram", help)
	}
	sep := ""
	if labels != "" {
		sep = ","
	}
	for i, ub := range h.Bounds {
		t.sample(name+"_bucket", labels+sep+`le="`+formatFloat(ub)+`"`, strconv.FormatUint(h.Counts[i], 10))
	}
	t.sample(name+"_bucket", labels+sep+`le="+Inf"`, strconv.FormatUint(h.Count, 10))
	t.sample(name+"_sum", labels, formatFloat(h.Sum))
	t.sample(name+"_count", labels, strconv.FormatUint(h.Count, 10))
}

func formatFloat(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }
