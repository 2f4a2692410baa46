package wsloop

import (
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/eventloop"
	"github.com/autobahn-go/autobahn/ws"
)

// TestLoopConfig: the loop's idle timeout is off by default while
// keepalive is on (it would keep every idle connection in the loop's
// timing wheel, for nothing: keepalive drops a silent peer sooner), and
// takes eventloop's default when keepalive is off; a timeout the user set
// is kept either way. The write watermarks default to ws's output bound.
func TestLoopConfig(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  eventloop.Config
		opts *ws.Options
		idle time.Duration
	}{
		{"defaults", eventloop.Config{}, nil, -1},
		{"keepalive off", eventloop.Config{}, &ws.Options{PingInterval: -1}, 0},
		{"set, keepalive on", eventloop.Config{IdleTimeout: time.Minute}, nil, time.Minute},
		{"set, keepalive off", eventloop.Config{IdleTimeout: time.Minute}, &ws.Options{PingInterval: -1}, time.Minute},
		{"off, keepalive off", eventloop.Config{IdleTimeout: -1}, &ws.Options{PingInterval: -1}, -1},
	} {
		cfg := loopConfig(tc.cfg, tc.opts.Resolve())
		if cfg.IdleTimeout != tc.idle {
			t.Errorf("%s: IdleTimeout %v, want %v", tc.name, cfg.IdleTimeout, tc.idle)
		}
		if cfg.WriteHighWatermark != ws.DefaultOutputHigh || cfg.WriteLowWatermark != ws.DefaultOutputHigh/4 {
			t.Errorf("%s: watermarks %d/%d", tc.name, cfg.WriteHighWatermark, cfg.WriteLowWatermark)
		}
	}
}
