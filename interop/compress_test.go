package interop

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/ext/bzip2"
	"github.com/autobahn-go/autobahn/ws/ext/deflate"
	"github.com/autobahn-go/autobahn/ws/ext/snappy"
	"github.com/autobahn-go/autobahn/ws/wshttp"
)

// wire counts the bytes that cross the connections it wraps, to check that
// messages really travel compressed.
type wire struct{ in, out atomic.Int64 }

type countedConn struct {
	net.Conn
	w *wire
}

func (c countedConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.w.in.Add(int64(n))
	return n, err
}

func (c countedConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.w.out.Add(int64(n))
	return n, err
}

type countedListener struct {
	net.Listener
	w *wire
}

func (l countedListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return countedConn{c, l.w}, nil
}

// check fails unless the wire carried less than a quarter of payload bytes.
func (w *wire) check(t *testing.T, payload int) {
	t.Helper()
	total := w.in.Load() + w.out.Load()
	t.Logf("%d payload bytes took %d bytes on the wire", payload, total)
	if total*4 > int64(payload) {
		t.Fatalf("%d payload bytes took %d bytes on the wire: not compressed", payload, total)
	}
}

// extRecorder is a recorder that also keeps the negotiated extensions.
type extRecorder struct {
	*recorder
	mu   sync.Mutex
	exts []string
}

func (r *extRecorder) OnOpen(c *ws.Conn) {
	r.mu.Lock()
	r.exts = append(r.exts, c.Extensions())
	r.mu.Unlock()
}

func (r *extRecorder) negotiated(t *testing.T, want string) {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, e := range r.exts {
		if !strings.HasPrefix(e, want) {
			t.Fatalf("server negotiated %q, want %s", e, want)
		}
	}
	if len(r.exts) == 0 {
		t.Fatal("no connection")
	}
}

// compressServer runs our echo server (wshttp) with exts and returns its
// ws:// URL, its recorder and the wire it counts.
func compressServer(t *testing.T, exts ...ws.Extension) (string, *extRecorder, *wire) {
	t.Helper()
	rec := &extRecorder{recorder: newRecorder()}
	w := new(wire)
	srv := &ws.Server{Handler: rec, Options: &ws.Options{MaxMessagePayload: 8 << 20, Extensions: exts}}
	ts := httptest.NewUnstartedServer(wshttp.Handler(srv))
	ts.Listener = countedListener{ts.Listener, w}
	ts.Start()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		ts.Close()
	})
	return "ws" + strings.TrimPrefix(ts.URL, "http") + "/echo", rec, w
}

// peerPayload is what the Node and Python compress peers send (and get
// back): ≈ 100 kB of JSON, 300 kB of one byte, 500 bytes of JSON, small
// text, twice.
const peerPayload = 2 * (2*95000 + 300000)

// runCompressClient runs a peer client against our server with exts; it
// must exit 0 having negotiated wantExt, close cleanly, and compress.
func runCompressClient(t *testing.T, mk func(ctx context.Context, url string) *exec.Cmd, wantExt, wantClose string, exts ...ws.Extension) {
	t.Helper()
	url, rec, w := compressServer(t, exts...)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := mk(ctx, url).CombinedOutput()
	if err != nil {
		t.Fatalf("peer client: %v\n%s", err, out)
	}
	if got := rec.last(t); got != wantClose {
		t.Fatalf("server saw %q, want %q", got, wantClose)
	}
	rec.negotiated(t, wantExt)
	w.check(t, peerPayload)
}

// compressPayloads are what our client sends: compressible text and
// binary, small and empty messages, and random bytes.
func compressPayloads() (msgs []struct {
	binary bool
	p      []byte
}, size int) {
	var doc bytes.Buffer
	for i := 0; doc.Len() < 100000; i++ {
		fmt.Fprintf(&doc, `{"id":%d,"user":"user%d","tags":["a","b"]},`, i, i%50)
	}
	random := make([]byte, 2000)
	rng := rand.New(rand.NewPCG(1, 1))
	for i := range random {
		random[i] = byte(rng.Uint32())
	}
	msgs = []struct {
		binary bool
		p      []byte
	}{
		{false, nil}, {false, []byte("hello κόσμε 🚀")}, {false, doc.Bytes()},
		{true, bytes.Repeat([]byte{7}, 300000)}, {true, random}, {false, doc.Bytes()[:500]},
	}
	for _, m := range msgs {
		size += 2 * len(m.p)
	}
	return msgs, size
}

// ourCompressClient echoes compressPayloads through the server at url with
// ext, whole and fragmented, and checks the negotiation and the wire.
func ourCompressClient(t *testing.T, url string, ext ws.Extension, wantExt string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	msgs, size := compressPayloads()
	for _, frag := range []int{0, 1000} {
		w := new(wire)
		dialer := &net.Dialer{}
		c, err := ws.Dial(ctx, url, &ws.Options{
			AutoFragmentSize:  frag,
			MaxMessagePayload: 8 << 20,
			Extensions:        []ws.Extension{ext},
			NetDial: func(ctx context.Context, network, addr string) (net.Conn, error) {
				nc, err := dialer.DialContext(ctx, network, addr)
				if err != nil {
					return nil, err
				}
				return countedConn{nc, w}, nil
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(c.Extensions(), wantExt) {
			t.Fatalf("negotiated %q, want %s", c.Extensions(), wantExt)
		}
		for _, m := range msgs {
			op := ws.OpText
			if m.binary {
				op = ws.OpBinary
			}
			if err := c.WriteMessage(ctx, op, m.p); err != nil {
				t.Fatal(err)
			}
			gotOp, got, err := c.ReadMessage(ctx)
			if err != nil || gotOp != op || !bytes.Equal(got, m.p) {
				t.Fatalf("frag %d: echo of %d bytes: %v %d bytes %v", frag, len(m.p), gotOp, len(got), err)
			}
		}
		if err := c.Close(ws.StatusNormalClosure, "done"); err != nil {
			t.Fatal(err)
		}
		w.check(t, size)
	}
}

func nctArg(nct bool) string {
	if nct {
		return "nct"
	}
	return "ctx"
}

func TestDeflateNode(t *testing.T) {
	for _, nct := range []bool{false, true} {
		t.Run(nctArg(nct), func(t *testing.T) {
			runCompressClient(t, func(ctx context.Context, url string) *exec.Cmd {
				return nodeCmd(t, ctx, "node_compress.js", "client", url, nctArg(nct))
			}, "permessage-deflate", "NormalClosure(1000) node done", deflate.New(deflate.Options{Threshold: -1}))

			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			url := startPeerServer(t, nodeCmd(t, ctx, "node_compress.js", "server", nctArg(nct)))
			o := deflate.Options{ServerNoContextTakeover: nct, ClientNoContextTakeover: nct}
			ourCompressClient(t, url, deflate.New(o), "permessage-deflate")
		})
	}
}

// TestCompressPython runs Autobahn|Python's permessage-deflate, -bzip2 and
// -snappy against ours, both ways, with and without context takeover.
func TestCompressPython(t *testing.T) {
	for _, c := range []struct {
		name string
		nct  bool
		ext  ws.Extension
	}{
		{"deflate", false, deflate.New(deflate.Options{})},
		{"deflate", true, deflate.New(deflate.Options{ServerNoContextTakeover: true, ClientNoContextTakeover: true})},
		{"bzip2", false, bzip2.New(bzip2.Options{})},
		{"snappy", false, snappy.New(snappy.Options{})},
		{"snappy", true, snappy.New(snappy.Options{ServerNoContextTakeover: true, ClientNoContextTakeover: true})},
	} {
		t.Run(c.name+"/"+nctArg(c.nct), func(t *testing.T) {
			want := "permessage-" + c.name
			runCompressClient(t, func(ctx context.Context, url string) *exec.Cmd {
				return pythonCmd(t, ctx, "py_compress.py", "client", c.name, url, nctArg(c.nct))
			}, want, "NormalClosure(1000) python done", c.ext)

			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			url := startPeerServer(t, pythonCmd(t, ctx, "py_compress.py", "server", c.name, nctArg(c.nct)))
			ourCompressClient(t, url, c.ext, want)
		})
	}
}

// TestDeflateGorilla: gorilla/websocket's compression (no context
// takeover, both ways) against ours.
func TestDeflateGorilla(t *testing.T) {
	msgs, size := compressPayloads()
	url, rec, w := compressServer(t, deflate.New(deflate.Options{}))
	d := websocket.Dialer{EnableCompression: true}
	c, resp, err := d.Dial(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if got := resp.Header.Get("Sec-WebSocket-Extensions"); !strings.Contains(got, "permessage-deflate") {
		t.Fatalf("answer %q", got)
	}
	c.SetReadLimit(8 << 20)
	c.EnableWriteCompression(true)
	for _, m := range msgs {
		typ := websocket.TextMessage
		if m.binary {
			typ = websocket.BinaryMessage
		}
		if err := c.WriteMessage(typ, m.p); err != nil {
			t.Fatal(err)
		}
		gotTyp, got, err := c.ReadMessage()
		if err != nil || gotTyp != typ || !bytes.Equal(got, m.p) {
			t.Fatalf("echo of %d bytes: %v %d bytes %v", len(m.p), gotTyp, len(got), err)
		}
	}
	_ = c.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(1000, "bye"), time.Now().Add(time.Second))
	if got := rec.last(t); got != "NormalClosure(1000) bye" {
		t.Fatalf("server saw %q", got)
	}
	rec.negotiated(t, "permessage-deflate; server_no_context_takeover; client_no_context_takeover")
	w.check(t, size)

	up := websocket.Upgrader{EnableCompression: true}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		c.SetReadLimit(8 << 20)
		for {
			typ, p, err := c.ReadMessage()
			if err != nil {
				return
			}
			if err := c.WriteMessage(typ, p); err != nil {
				return
			}
		}
	}))
	defer ts.Close()
	ourCompressClient(t, "ws"+strings.TrimPrefix(ts.URL, "http"), deflate.New(deflate.Options{}), "permessage-deflate")
}

// deflatePage echoes a 100 kB JSON text and a small one through the
// browser's WebSocket (which offers permessage-deflate with
// client_max_window_bits) and reports PASS with the negotiated extensions.
const deflatePage = `<!doctype html><html><body><span id="result">pending</span><script>
const out = document.getElementById("result");
const big = JSON.stringify(Array.from({length: 2000}, (_, i) => ({id: i, user: "user" + (i % 50), tags: ["a", "b"]})));
const msgs = [big, "hello κόσμε", big.slice(0, 300)];
const ws = new WebSocket("ws://" + location.host + "/ws");
let i = 0;
ws.onopen = () => ws.send(msgs[0]);
ws.onmessage = (e) => {
  if (e.data !== msgs[i]) { out.textContent = "FAIL mismatch " + i; return; }
  if (++i < msgs.length) { ws.send(msgs[i]); return; }
  out.textContent = "PASS " + ws.extensions;
  ws.close(1000, "browser done");
};
ws.onerror = () => { out.textContent = "FAIL error"; };
</script></body></html>`

// TestDeflateChromium serves deflatePage and our deflate echo server to
// headless Chromium: messages must round-trip, compressed both ways.
func TestDeflateChromium(t *testing.T) {
	chromium := need(t, "chromium")
	for _, o := range []deflate.Options{{}, {ClientMaxWindowBits: 10, ServerMaxWindowBits: 9}} {
		t.Run(fmt.Sprint(o.ClientMaxWindowBits), func(t *testing.T) {
			rec := &extRecorder{recorder: newRecorder()}
			w := new(wire)
			srv := &ws.Server{Handler: rec, Options: &ws.Options{Extensions: []ws.Extension{deflate.New(o)}}}
			mux := http.NewServeMux()
			mux.Handle("/ws", wshttp.Handler(srv))
			mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(deflatePage)) })
			ts := httptest.NewUnstartedServer(mux)
			ts.Listener = countedListener{ts.Listener, w}
			ts.Start()
			defer ts.Close()
			defer srv.Shutdown(context.Background())
			ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
			defer cancel()
			dom, err := chromiumDOM(ctx, t, chromium, ts.URL+"/", "PASS permessage-deflate")
			if err != nil {
				t.Fatalf("page did not report PASS (err %v):\n%s", err, dom)
			}
			rec.negotiated(t, "permessage-deflate")
			t.Logf("negotiated %q", rec.exts)
			// The page and the handshakes are a few kB; 2 × 95 kB of JSON
			// each way must have been compressed.
			if total := w.in.Load() + w.out.Load(); total > 100000 {
				t.Fatalf("%d bytes on the wire: not compressed", total)
			}
		})
	}
}
