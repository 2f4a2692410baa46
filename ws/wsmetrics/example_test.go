package wsmetrics_test

import (
	"fmt"
	"strings"

	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/wsmetrics"
)

func Example() {
	m := new(wsmetrics.Set)
	srv := &ws.Server{Handler: ws.BaseHandler{}, Metrics: m}
	_ = srv // serve with srv.Serve(ln), or wshttp.Handler(srv); wsloop.Server has Metrics too

	// What the server would count for one short connection:
	start := m.Open()
	m.Received(5)
	m.Sent(5)
	m.Close(uint16(ws.StatusNormalClosure), start)

	s := m.Snapshot()
	fmt.Println(s.Opened, s.Active, s.MessagesIn, s.BytesOut, s.CloseCodes)
	// Output: 1 0 1 5 map[1000:1]
}

func ExampleSet_WriteText() {
	m := new(wsmetrics.Set)
	m.Rejected(403)
	// In a /metrics handler: w.Header().Set("Content-Type",
	// "text/plain; version=0.0.4"), then m.WriteText(w).
	var b strings.Builder
	_ = m.WriteText(&b)
	for _, line := range strings.Split(b.String(), "\n") {
		if strings.Contains(line, "handshakes_rejected") {
			fmt.Println(line)
		}
	}
	// Output:
	// # HELP websocket_handshakes_rejected_total WebSocket opening handshakes refused, by HTTP status.
	// # TYPE websocket_handshakes_rejected_total counter
	// websocket_handshakes_rejected_total{status="403"} 1
}
