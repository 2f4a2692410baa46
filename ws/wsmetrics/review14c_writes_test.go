package wsmetrics_test

import (
	"context"
	"io"
	"log/slog"
	"reflect"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/wsmetrics"
)

// writer answers "batch" with WriteMessages of two messages, "prep" with
// a PreparedMessage, and panics on "panic" (checked, not a bug: the
// drivers count these alike).
type writer struct{ echo }

func (h *writer) OnMessage(c *ws.Conn, op ws.Opcode, p []byte) {
	ctx := context.Background()
	switch string(p) {
	case "batch":
		_ = c.WriteMessages(ctx, ws.OpText, [][]byte{[]byte("one"), []byte("two!")})
	case "prep":
		_ = c.WritePrepared(ctx, ws.NewPreparedMessage(ws.OpBinary, make([]byte, 100)))
	case "panic":
		panic("review14c")
	}
}

// TestWritesDiff: batches, prepared messages and a contained panic are
// counted alike on every driver.
func TestWritesDiff(t *testing.T) {
	snaps := map[string]wsmetrics.Snapshot{}
	for name, start := range drivers {
		t.Run(name, func(t *testing.T) {
			m := new(wsmetrics.Set)
			h := &writer{echo{closes: make(chan ws.StatusCode, 16)}}
			addr, stop := start(t, h, m, &ws.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
			defer stop()
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			c, err := ws.Dial(ctx, "ws://"+addr+"/", nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range []string{"batch", "prep"} {
				if err := c.WriteMessage(ctx, ws.OpText, []byte(s)); err != nil {
					t.Fatal(err)
				}
			}
			for range 3 {
				if _, _, err := c.ReadMessage(ctx); err != nil {
					t.Fatal(err)
				}
			}
			if err := c.WriteMessage(ctx, ws.OpText, []byte("panic")); err != nil {
				t.Fatal(err)
			}
			if _, _, err := c.ReadMessage(ctx); err == nil {
				t.Fatal("read after the panic succeeded")
			}
			wantClose(t, &h.echo, ws.StatusInternalError)
			_ = c.CloseNow()
			s := m.Snapshot()
			s.Durations = wsmetrics.Histogram{}
			snaps[name] = s
		})
	}
	var first string
	for name, s := range snaps {
		if first == "" {
			first = name
			t.Logf("%s: %+v", name, s)
			continue
		}
		if !reflect.DeepEqual(s, snaps[first]) {
			t.Errorf("%s counted\n%+v\n%s counted\n%+v", first, snaps[first], name, s)
		}
	}
}
