package wsmetrics_test

import (
	"bytes"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/ws/wsmetrics"
)

// sampleLine is a sample of the text exposition format: name, optional
// labels, a value.
var sampleLine = regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*"(?:,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*")*\})? (\S+)$`)

// parse checks every line of an exposition and returns its samples by
// "name{labels}".
func parse(t *testing.T, text string) map[string]float64 {
	t.Helper()
	out := map[string]float64{}
	if !strings.HasSuffix(text, "\n") {
		t.Fatalf("exposition does not end in a newline")
	}
	for _, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		if strings.HasPrefix(line, "# HELP ") || strings.HasPrefix(line, "# TYPE ") {
			continue
		}
		m := sampleLine.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("not a sample line: %q", line)
		}
		v, err := strconv.ParseFloat(m[3], 64)
		if err != nil {
			t.Fatalf("value of %q: %v", line, err)
		}
		out[m[1]+m[2]] = v
	}
	return out
}

func TestWriteText(t *testing.T) {
	m := new(wsmetrics.Set)
	start := m.Open()
	m.Open()
	m.Received(10)
	m.Received(2000)
	m.Sent(70)
	m.Close(1001, start)
	m.Close(4242, start)
	m.Rejected(503)
	m.Rejected(418)
	var b bytes.Buffer
	if err := m.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	got := parse(t, b.String())
	want := map[string]float64{
		"websocket_connections_opened_total":                            2,
		"websocket_connections_closed_total":                            2,
		"websocket_connections_active":                                  0,
		`websocket_messages_total{direction="in"}`:                      2,
		`websocket_messages_total{direction="out"}`:                     1,
		`websocket_message_bytes_total{direction="in"}`:                 2010,
		`websocket_message_bytes_total{direction="out"}`:                70,
		`websocket_message_size_bytes_bucket{direction="in",le="16"}`:   1,
		`websocket_message_size_bytes_bucket{direction="in",le="1024"}`: 1,
		`websocket_message_size_bytes_bucket{direction="in",le="4096"}`: 2,
		`websocket_message_size_bytes_bucket{direction="in",le="+Inf"}`: 2,
		`websocket_message_size_bytes_sum{direction="in"}`:              2010,
		`websocket_message_size_bytes_count{direction="in"}`:            2,
		`websocket_message_size_bytes_bucket{direction="out",le="64"}`:  0,
		`websocket_message_size_bytes_bucket{direction="out",le="256"}`: 1,
		`websocket_connection_duration_seconds_bucket{le="+Inf"}`:       2,
		`websocket_connection_duration_seconds_count`:                   2,
		`websocket_closes_total{code="1001"}`:                           1,
		`websocket_closes_total{code="other"}`:                          1,
		`websocket_handshakes_rejected_total{status="503"}`:             1,
		`websocket_handshakes_rejected_total{status="other"}`:           1,
	}
	for k, v := range want {
		if g, ok := got[k]; !ok || g != v {
			t.Errorf("%s = %v (present %v), want %v", k, g, ok, v)
		}
	}
	// Each metric family has one HELP and one TYPE line.
	for _, fam := range []string{"websocket_message_size_bytes", "websocket_closes_total", "websocket_connection_duration_seconds"} {
		if n := strings.Count(b.String(), "# TYPE "+fam+" "); n != 1 {
			t.Errorf("%d TYPE lines for %s", n, fam)
		}
	}
}

func TestNilSet(t *testing.T) {
	var m *wsmetrics.Set
	m.Close(1000, m.Open())
	m.Received(1)
	m.Sent(1)
	m.Rejected(400)
	if s := m.Snapshot(); s.Opened != 0 || s.MessagesIn != 0 {
		t.Fatalf("nil set counted: %+v", s)
	}
	var b bytes.Buffer
	if err := m.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	if got := parse(t, b.String()); got["websocket_connections_opened_total"] != 0 {
		t.Fatalf("nil set wrote %v", got)
	}
}

func TestDurationBuckets(t *testing.T) {
	m := new(wsmetrics.Set)
	start := m.Open()
	m.Close(1000, start-int64(30*time.Second)) // opened 30 s ago
	d := m.Snapshot().Durations
	for i, ub := range d.Bounds {
		want := uint64(0)
		if ub >= 30 {
			want = 1
		}
		if d.Counts[i] != want {
			t.Errorf("bucket le=%v: %d, want %d", ub, d.Counts[i], want)
		}
	}
	if d.Sum < 30 || d.Sum > 40 {
		t.Errorf("sum %v s, want about 30", d.Sum)
	}
}

type failWriter struct{}

var errWrite = errors.New("write failed")

func (failWriter) Write([]byte) (int, error) { return 0, errWrite }

func TestWriteTextError(t *testing.T) {
	if err := new(wsmetrics.Set).WriteText(failWriter{}); !errors.Is(err, errWrite) {
		t.Fatalf("WriteText = %v, want the writer's error", err)
	}
}

// TestSizeBucket checks the computed size bucket against a scan of
// SizeBuckets around every bound.
func TestSizeBucket(t *testing.T) {
	scan := func(n uint64) int {
		i := 0
		for i < len(wsmetrics.SizeBuckets) && n > wsmetrics.SizeBuckets[i] {
			i++
		}
		return i
	}
	check := func(n uint64) {
		if got, want := wsmetrics.SizeBucket(n), scan(n); got != want {
			t.Errorf("SizeBucket(%d) = %d, want %d", n, got, want)
		}
	}
	for n := range uint64(5000) {
		check(n)
	}
	for _, b := range wsmetrics.SizeBuckets {
		check(b - 1)
		check(b)
		check(b + 1)
	}
	check(1<<63 + 5)
	check(^uint64(0))
}
