package cli

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/ws"
)

// The WebSocket flags of serve bound the WAMP router's /ws as they bound
// /echo, on either driver: a HELLO past --max-message gets close 1009
// (not a WELCOME), and --origins admits the browsers it names. With
// --driver std, /ws used to be accepted with ws's defaults (16 MiB
// messages, same-origin only) whatever the flags said.
func TestReview14ServeWAMPHonoursWSFlags(t *testing.T) {
	for _, driver := range []string{"std", "loop"} {
		t.Run(driver, func(t *testing.T) {
			lines, stop := startServe(t, 1, "--driver", driver, "--addr", "127.0.0.1:0",
				"--max-message", "1024", "--origins", "*.example.com")
			addr := find(t, `http://(127\.0\.0\.1:\d+)/`, lines[0])
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			dial := func(origin string) (*ws.Conn, error) {
				opts := &ws.Options{Subprotocols: []string{"wamp.2.json"}}
				if origin != "" {
					opts.Header = http.Header{"Origin": {origin}}
				}
				return ws.Dial(ctx, "ws://"+addr+"/ws", opts)
			}

			// A HELLO of 4 KiB, past --max-message 1024.
			c, err := dial("")
			if err != nil {
				t.Fatal(err)
			}
			defer c.CloseNow()
			hello := `[1,"realm1",{"roles":{"caller":{}},"pad":"` + strings.Repeat("x", 4096) + `"}]`
			if err := c.WriteMessage(ctx, ws.OpText, []byte(hello)); err != nil {
				t.Fatal(err)
			}
			_, p, err := c.ReadMessage(ctx)
			var ce *ws.CloseError
			if !errors.As(err, &ce) || ce.Code != ws.StatusMessageTooBig {
				t.Fatalf("a 4 KiB HELLO with --max-message 1024: got %q, %v; want close 1009", p, err)
			}

			// An Origin --origins allows.
			c2, err := dial("https://app.example.com")
			if err != nil {
				t.Fatalf("Origin https://app.example.com with --origins *.example.com: %v", err)
			}
			c2.CloseNow()
			if err := stop(); err != nil {
				t.Fatal(err)
			}
		})
	}
}
