package wsloop_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/eventloop"
	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/wsloop"
)

// BenchmarkTLSEcho is BenchmarkEcho over wss://: a round trip through
// the loop server's TLS from ws.Dial's client.
func BenchmarkTLSEcho(b *testing.B) {
	for _, size := range []int{32, 4096} {
		b.Run(fmt.Sprintf("%dB", size), func(b *testing.B) {
			u, ccfg, _ := serveTLS(b, newEcho(), nil, nil)
			ctx := context.Background()
			c, err := ws.Dial(ctx, u, &ws.Options{TLSConfig: ccfg})
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close(ws.StatusNormalClosure, "")
			msg := make([]byte, size)
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				if err := c.WriteMessage(ctx, ws.OpBinary, msg); err != nil {
					b.Fatal(err)
				}
				if _, _, err := c.ReadMessage(ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// idleEnv names the environment of the child process that holds the idle
// clients of BenchmarkIdleConnMemory.
const (
	idleURL = "WSLOOP_IDLE_URL"
	idleN   = "WSLOOP_IDLE_N"
	idleCA  = "WSLOOP_IDLE_CA"  // hex DER of the server's certificate
	idleMsg = "WSLOOP_IDLE_MSG" // size of the message each client sends
)

// BenchmarkIdleConnMemory reports the server's heap per idle connection
// (heapB/conn: live heap after GC, with the clients in a child process so
// that only the server is counted), ws:// and wss:// (TLS 1.3 with the
// X25519MLKEM768 key share Go's client and browsers send, and TLS 1.2),
// each connection having sent one small message, or one of 64 KiB (which
// comes in full-size TLS records: crypto/tls keeps a buffer of the
// largest record it read for the connection's life). allocB/conn is all
// the server allocated per connection until then, garbage included (the
// GC's heap goal, and so the resident memory, grows with both). b.N is not
// used: it is one measurement.
func BenchmarkIdleConnMemory(b *testing.B) {
	const n = 1000
	for _, tc := range []struct {
		vers  uint16
		msg   int
		quiet bool // after a keepalive round (ws.Conn's pong: Quiet)
	}{{0, 5, false}, {0, 64 << 10, false}, {tls.VersionTLS13, 5, false}, {tls.VersionTLS13, 64 << 10, false},
		{tls.VersionTLS13, 5, true}, {tls.VersionTLS12, 5, false}} {
		vers := tc.vers
		secure := vers != 0
		name := map[uint16]string{0: "ws", tls.VersionTLS13: "wss-tls13", tls.VersionTLS12: "wss-tls12"}[vers]
		if tc.quiet {
			name += "-quiet"
		}
		name += fmt.Sprintf("/msg=%d", tc.msg)
		b.Run(name, func(b *testing.B) {
			h := ws.BaseHandler{}
			before := liveHeap()
			compacted0 := wsloop.QuietCompactions()
			var ms0, ms1 runtime.MemStats
			runtime.ReadMemStats(&ms0)
			var u, ca string
			var srv *wsloop.Server
			if secure {
				cert, _ := wsloop.NewTestCert(b, "idle")
				var opts *ws.Options
				if tc.quiet {
					opts = &ws.Options{PingInterval: 100 * time.Millisecond, PingTimeout: 20 * time.Second}
				}
				u, _, srv = serveTLS(b, h, opts, &tls.Config{Certificates: []tls.Certificate{cert}, MaxVersion: vers})
				ca = hex.EncodeToString(cert.Certificate[0])
			} else {
				u, srv = serve(b, h, nil, eventloop.Config{Loops: 1})
			}
			cmd := exec.Command(os.Args[0], "-test.run=^TestIdleClientsHelper$", "-test.count=1")
			cmd.Env = append(os.Environ(), idleURL+"="+u, idleN+"="+strconv.Itoa(n), idleCA+"="+ca, idleMsg+"="+strconv.Itoa(tc.msg))
			stdin, _ := cmd.StdinPipe()
			stdout, _ := cmd.StdoutPipe()
			cmd.Stderr = os.Stderr
			if err := cmd.Start(); err != nil {
				b.Fatal(err)
			}
			defer func() { _ = stdin.Close(); _ = cmd.Wait() }()
			sc := bufio.NewScanner(stdout)
			for sc.Scan() && sc.Text() != "ready" {
			}
			deadline := time.Now().Add(30 * time.Second)
			for srv.Stats().Conns < n && time.Now().Before(deadline) {
				time.Sleep(10 * time.Millisecond)
			}
			if got := srv.Stats().Conns; got < n {
				b.Fatalf("%d connections open, want %d", got, n)
			}
			for tc.quiet && wsloop.QuietCompactions() < compacted0+n && time.Now().Before(deadline) {
				time.Sleep(10 * time.Millisecond)
			}
			if got := wsloop.QuietCompactions() - compacted0; tc.quiet && got < n {
				b.Fatalf("%d connections went quiet, want %d", got, n)
			}
			runtime.ReadMemStats(&ms1)
			after := liveHeap()
			for b.Loop() {
			}
			b.ReportMetric(float64(after-before)/n, "heapB/conn")
			b.ReportMetric(float64(ms1.TotalAlloc-ms0.TotalAlloc)/n, "allocB/conn")
		})
	}
}

func liveHeap() int64 {
	var ms runtime.MemStats
	runtime.GC()
	runtime.GC() // and the sync.Pools
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapAlloc)
}

// TestIdleClientsHelper is BenchmarkIdleConnMemory's child process (it
// skips when not started by it): it opens the connections on a
// wsloop.Client, sends one message on each, says "ready" and holds them
// until its stdin closes.
func TestIdleClientsHelper(t *testing.T) {
	u := os.Getenv(idleURL)
	if u == "" {
		t.Skip("the child process of BenchmarkIdleConnMemory")
	}
	n, _ := strconv.Atoi(os.Getenv(idleN))
	size, _ := strconv.Atoi(os.Getenv(idleMsg))
	msg := make([]byte, size)
	opts := &ws.Options{}
	if ca := os.Getenv(idleCA); ca != "" {
		der, _ := hex.DecodeString(ca)
		leaf, err := x509.ParseCertificate(der)
		if err != nil {
			t.Fatal(err)
		}
		pool := x509.NewCertPool()
		pool.AddCert(leaf)
		opts.TLSConfig = &tls.Config{RootCAs: pool}
	}
	cl := &wsloop.Client{Options: opts, Config: eventloop.Config{Loops: 1}}
	defer cl.Close()
	ctx := context.Background()
	for range n {
		c, err := cl.Dial(ctx, u, ws.BaseHandler{})
		if err != nil {
			t.Fatal(err)
		}
		if err := c.WriteMessage(ctx, ws.OpBinary, msg); err != nil {
			t.Fatal(err)
		}
	}
	fmt.Println("ready")
	_, _ = bufio.NewReader(os.Stdin).ReadString('\n')
}
