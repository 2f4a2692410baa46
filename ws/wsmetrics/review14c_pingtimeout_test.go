package wsmetrics_test

import (
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/wsmetrics"
)

// TestPingTimeoutDiff: a peer that never answers the server's pings is
// ended by the keep-alive, and every driver gives OnClose, and counts,
// the same code for it (checked, not a bug: 1006 on each).
func TestPingTimeoutDiff(t *testing.T) {
	codes := map[string]ws.StatusCode{}
	for name, start := range drivers {
		t.Run(name, func(t *testing.T) {
			m := new(wsmetrics.Set)
			h := &echo{closes: make(chan ws.StatusCode, 4)}
			addr, stop := start(t, h, m, &ws.Options{PingInterval: 50 * time.Millisecond, PingTimeout: 50 * time.Millisecond, CloseTimeout: 100 * time.Millisecond})
			defer stop()
			nc, _ := rawUpgrade(t, addr)
			defer nc.Close()
			select {
			case codes[name] = <-h.closes:
			case <-time.After(10 * time.Second):
				t.Fatal("no OnClose")
			}
			want := map[string]uint64{strconv.Itoa(int(codes[name])): 1}
			if s := m.Snapshot(); !reflect.DeepEqual(s.CloseCodes, want) || s.Active != 0 {
				t.Errorf("counted %v, Active %d; want %v, 0", s.CloseCodes, s.Active, want)
			}
		})
	}
	t.Logf("%v", codes)
	var first ws.StatusCode
	for _, c := range codes {
		if first == 0 {
			first = c
		} else if c != first {
			t.Errorf("codes differ: %v", codes)
		}
	}
}
