package cli

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
	"github.com/autobahn-go/autobahn/wamp/transport/websocket"
	"github.com/autobahn-go/autobahn/ws"
)

// lockedBuffer is a bytes.Buffer that serve's logger and the test share.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startServeLog is startServe with serve's log (at level info) kept: it
// returns the first n lines on stdout and the log.
func startServeLog(t *testing.T, n int, args ...string) (lines []string, log *lockedBuffer, stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	log = new(lockedBuffer)
	errc := make(chan error, 1)
	go func() {
		errc <- run(ctx, append([]string{"serve", "--log-level", "info"}, args...), pw, log)
		pw.Close()
	}()
	br := bufio.NewReader(pr)
	for range n {
		line, err := br.ReadString('\n')
		if err != nil {
			cancel()
			t.Fatalf("serve %v: %v (printed %q; log %s)", args, err, lines, log)
		}
		lines = append(lines, line)
	}
	go func() { _, _ = io.Copy(io.Discard, br) }()
	var once sync.Once
	var serr error
	stop = func() error {
		once.Do(func() {
			cancel()
			serr = <-errc
		})
		return serr
	}
	t.Cleanup(func() { _ = stop() })
	return lines, log, stop
}

// Without --driver, the event loop serves --addr: the start-up line and
// the log say driver loop; WebSocket echo and a WAMP session (calling the
// demo procedure) work on --addr; a plain HTTP request is answered on the
// loop (Connection: close); stopping closes the echo with 1001 and the
// session with GOODBYE wamp.close.system_shutdown, and serve returns nil.
func TestServeDefaultDriverLoop(t *testing.T) {
	lines, log, stop := startServeLog(t, 2, "--addr", "127.0.0.1:0")
	addr := find(t, `^autobahn serve: http://(127\.0\.0\.1:\d+)/ \(driver loop, the event loop: WebSocket echo on ws://`, lines[0])
	if wamp := find(t, `WAMP router, realm realm1, on ws://(127\.0\.0\.1:\d+)/ws\n`, lines[1]); wamp != addr {
		t.Fatalf("WAMP on %s, echo on %s: want one port", wamp, addr)
	}
	if want := "msg=listening addr=" + addr + " driver=loop"; !strings.Contains(log.String(), want) {
		t.Fatalf("the log lacks %q:\n%s", want, log)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	c, err := ws.Dial(ctx, "ws://"+addr+"/echo", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	echoOnce(t, ctx, c, "on the default driver")

	tr, err := websocket.Dial(ctx, "ws://"+addr+"/ws", websocket.Options{Serializers: []wamp.Serializer{json.Serializer{}}})
	if err != nil {
		t.Fatal(err)
	}
	s, err := client.Join(ctx, tr, "realm1", client.JoinOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	res, err := s.Call(ctx, "com.example.add2", wamp.List{20, 22}, nil, nil)
	if n, _ := wamp.AsInt64(firstArg(res)); err != nil || n != 42 {
		t.Fatalf("com.example.add2(20, 22): %v %v", res, err)
	}

	// The loop answers plain HTTP once per connection.
	resp, err := http.Get("http://" + addr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"status":"ok"`) || !resp.Close {
		t.Fatalf("/healthz: %d %q, Connection: close %v; want 200 from the loop (Connection: close)", resp.StatusCode, body, resp.Close)
	}

	closed := goingAway(ctx, c)
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	select {
	case <-s.Done():
	case <-ctx.Done():
		t.Fatal("the WAMP session outlived serve")
	}
	var ge *client.GoodbyeError
	if !errors.As(s.Err(), &ge) || ge.Reason != wamp.ErrSystemShutdown {
		t.Fatalf("the WAMP session ended with %v, want GOODBYE %s", s.Err(), wamp.ErrSystemShutdown)
	}
}

// --driver std still serves --addr with net/http: its start-up line and
// log say so, and two requests for /healthz go over one connection
// (keep-alive, which the loop does not do), then echo works on /echo.
func TestServeDriverStdKeepAlive(t *testing.T) {
	lines, log, stop := startServeLog(t, 2, "--driver", "std", "--addr", "127.0.0.1:0")
	addr := find(t, `^autobahn serve: http://(127\.0\.0\.1:\d+)/ \(WebSocket echo on ws://`, lines[0])
	if want := "msg=listening addr=" + addr + " driver=std"; !strings.Contains(log.String(), want) {
		t.Fatalf("the log lacks %q:\n%s", want, log)
	}
	nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	_ = nc.SetDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(nc)
	for i := range 2 {
		if _, err := io.WriteString(nc, "GET /healthz HTTP/1.1\r\nHost: "+addr+"\r\n\r\n"); err != nil {
			t.Fatalf("request %d: %v", i+1, err)
		}
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("response %d: %v", i+1, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"status":"ok"`) || resp.Close {
			t.Fatalf("response %d: %d %q, Connection: close %v; want 200 kept alive", i+1, resp.StatusCode, body, resp.Close)
		}
	}
	echoThenStop(t, addr, stop, "on net/http")
}

// A second serve on the port of a running one fails with "address already
// in use" on the loop as on net/http, instead of joining the first one's
// SO_REUSEPORT sockets (and taking some of its connections); so does
// --loop-addr on a port a plain listener holds.
func TestServeLoopAddrInUse(t *testing.T) {
	lines, stop := startServe(t, 2, "--addr", "127.0.0.1:0")
	addr := find(t, `http://(127\.0\.0\.1:\d+)/ \(driver loop`, lines[0])
	held, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	cases := [][]string{
		{"--addr", addr},
		{"--driver", "std", "--addr", addr},
		{"--addr", "127.0.0.1:0", "--loop-addr", held.Addr().String()},
	}
	if runtime.GOOS == "linux" { // --procs: package prefork
		cases = append(cases, []string{"--procs", "2", "--addr", addr})
	}
	for _, args := range cases {
		// Already cancelled: a serve that wrongly starts stops at once.
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		err := run(ctx, append([]string{"serve", "--demo=false"}, args...), io.Discard, io.Discard)
		if !errors.Is(err, syscall.EADDRINUSE) {
			t.Errorf("serve %q beside a listener: %v, want address already in use", args, err)
		}
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}
