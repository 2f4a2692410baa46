package interop

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/ext/deflate"
)

// TestReview16cDeflateWindowPython: Autobahn|Python's permessage-deflate
// with negotiated windows, both ways: its client requests
// server_max_window_bits=SB and offers client_max_window_bits, which our
// server answers with CB; our client does the same against its server.
// The messages repeat themselves from just beyond each window, within a
// message and across messages (context takeover): a copy from beyond a
// window breaks zlib's inflate on the Python side.
func TestReview16cDeflateWindowPython(t *testing.T) {
	for _, c := range [][2]int{{9, 11}} {
		sb, cb := c[0], c[1]
		want := fmt.Sprintf("permessage-deflate; server_max_window_bits=%d; client_max_window_bits=%d", sb, cb)
		t.Run(fmt.Sprintf("server%d_client%d", sb, cb), func(t *testing.T) {
			url, rec, _ := compressServer(t, deflate.New(deflate.Options{ClientMaxWindowBits: cb}))
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			out, err := pythonCmd(t, ctx, "py_deflate_window.py", "client", url, strconv.Itoa(sb), strconv.Itoa(cb)).CombinedOutput()
			if err != nil {
				t.Fatalf("python client: %v\n%s", err, out)
			}
			if got := rec.last(t); got != "NormalClosure(1000) python done" {
				t.Fatalf("server saw %q", got)
			}
			rec.negotiated(t, want)

			pctx, pcancel := context.WithCancel(context.Background())
			defer pcancel()
			purl := startPeerServer(t, pythonCmd(t, pctx, "py_deflate_window.py", "server", strconv.Itoa(sb), strconv.Itoa(cb)))
			conn, err := ws.Dial(ctx, purl, &ws.Options{MaxMessagePayload: 8 << 20,
				Extensions: []ws.Extension{deflate.New(deflate.Options{ServerMaxWindowBits: sb, ClientMaxWindowBits: cb})}})
			if err != nil {
				t.Fatal(err)
			}
			if got := conn.Extensions(); got != want {
				t.Fatalf("negotiated %q, want %q", got, want)
			}
			rng := rand.New(rand.NewPCG(uint64(sb), uint64(cb)))
			var msgs [][]byte
			for _, bits := range []int{sb, cb, 9, 15} {
				w := 1 << bits
				m := make([]byte, w+1+64)
				for i := range m[:w+1] {
					m[i] = byte(rng.Uint32())
				}
				copy(m[w+1:], m[:64]) // a repeat just beyond the window
				// The next message repeats from just beyond the window too.
				msgs = append(msgs, m, append([]byte(nil), m[len(m)-w-1:][:200]...), nil)
			}
			for i, m := range msgs {
				if err := conn.WriteMessage(ctx, ws.OpBinary, m); err != nil {
					t.Fatal(err)
				}
				_, got, err := conn.ReadMessage(ctx)
				if err != nil || !bytes.Equal(got, m) {
					t.Fatalf("message %d (%d bytes): echo %d bytes, %v", i, len(m), len(got), err)
				}
			}
			if err := conn.Close(ws.StatusNormalClosure, "done"); err != nil {
				t.Fatal(err)
			}
		})
	}
}
