package natsfabric_test

import (
	"bufio"
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/serialize/cbor"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
	"github.com/autobahn-go/autobahn/wamp/serialize/msgpack"
)

// pythonPeer is testdata/fabric_peer.py running on Debian's
// Autobahn|Python, its output lines on lines (closed at its end).
type pythonPeer struct {
	cmd    *exec.Cmd
	lines  chan string
	out    []string      // what was read, for failure messages
	exited chan struct{} // closed when the process was waited for
	err    error         // the process's exit, once exited is closed
}

const pythonBin = "/usr/bin/python3" // only Debian's python sees python3-autobahn

// needPython skips the test when python lacks Autobahn|Python and its
// serializers, unless INTEROP_REQUIRE=1 (scripts/interop.sh).
func needPython(t *testing.T) {
	t.Helper()
	if err := exec.Command(pythonBin, "-c", "import autobahn.asyncio.wamp, msgpack, cbor2").Run(); err != nil {
		if os.Getenv("INTEROP_REQUIRE") == "1" {
			t.Fatalf("%s lacks autobahn, msgpack or cbor2 (%v): run scripts/interop.sh", pythonBin, err)
		}
		t.Skipf("%s lacks autobahn, msgpack or cbor2 (%v); scripts/interop.sh installs them", pythonBin, err)
	}
}

// startPython runs fabric_peer.py against url; the process is killed by
// its PID and waited for when the test ends, if it has not exited.
func startPython(t *testing.T, url, ser string) *pythonPeer {
	t.Helper()
	cmd := exec.Command(pythonBin, "testdata/fabric_peer.py", url, ser)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &pythonPeer{cmd: cmd, lines: make(chan string, 64), exited: make(chan struct{})}
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			p.lines <- sc.Text()
		}
		close(p.lines)
		p.err = cmd.Wait() // after the pipe's EOF, as Wait wants
		close(p.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-p.exited:
			return
		default:
		}
		cmd.Process.Kill() // by PID: this process only
		for range p.lines {
		}
		<-p.exited
	})
	return p
}

// wait returns the first line starting with prefix, read already or
// next (the peer's steps run concurrently: their lines come in any
// order); it fails the test when the process ends or 30 s pass first.
func (p *pythonPeer) wait(t *testing.T, prefix string) string {
	t.Helper()
	for _, l := range p.out {
		if strings.HasPrefix(l, prefix) {
			return l
		}
	}
	timeout := time.After(30 * time.Second)
	for {
		select {
		case l, ok := <-p.lines:
			if !ok {
				t.Fatalf("fabric_peer.py ended without %q; its output:\n%s", prefix, strings.Join(p.out, "\n"))
			}
			p.out = append(p.out, l)
			if strings.HasPrefix(l, prefix) {
				return l
			}
		case <-timeout:
			t.Fatalf("no %q from fabric_peer.py in 30 s; its output:\n%s", prefix, strings.Join(p.out, "\n"))
		}
	}
}

// TestAutobahnPythonAcrossRouters puts Autobahn|Python (asyncio) on
// router A and our Go client on router B of one NATS cluster (embedded
// server), both over loopback WebSocket, with each serializer: Go calls
// the Python procedure (result, kwargs and an application error) and
// publishes to its subscription; Python calls a Go procedure (result and
// wamp.error.invalid_argument) and publishes to a Go subscription, with
// acknowledge. Skipped without python3-autobahn unless INTEROP_REQUIRE=1.
func TestAutobahnPythonAcrossRouters(t *testing.T) {
	needPython(t)
	for _, ser := range []struct {
		name string
		s    wamp.Serializer
	}{{"json", json.Serializer{}}, {"msgpack", msgpack.Serializer{}}, {"cbor", cbor.Serializer{}}} {
		t.Run(ser.name, func(t *testing.T) {
			ns := startNATS(t)
			a := newWSRouter(t, natsConn(t, ns, ""), testOpts)
			b := newWSRouter(t, natsConn(t, ns, ""), testOpts)
			ctx := ctxT(t)
			gs := connectWS(t, b.url, ser.s)
			if _, err := gs.Register(ctx, "com.example.go.add2", goAdd2, nil); err != nil {
				t.Fatal(err)
			}
			events := make(chan *wamp.Event, 4)
			if _, err := gs.Subscribe(ctx, "com.example.py.news", func(e *wamp.Event) { events <- e }, nil); err != nil {
				t.Fatal(err)
			}

			py := startPython(t, a.url, ser.name)
			py.wait(t, "ready")

			// Go → Python: the call crosses from B to A.
			_, err := callWhenRegistered(t, gs, "com.example.py.echo", wamp.List{"fail"}, nil)
			var ce *client.Error
			if !errors.As(err, &ce) || ce.URI != "com.example.error.oops" {
				t.Errorf("echo(fail): %v, want com.example.error.oops", err)
			}
			res, err := gs.Call(ctx, "com.example.py.echo", wamp.List{"hello", 42}, wamp.Dict{"k": "v"}, nil)
			if err != nil {
				t.Fatalf("echo: %v", err)
			}
			if n, _ := wamp.AsInt64(res.Args[1]); len(res.Args) != 2 || res.Args[0] != "hello" || n != 42 ||
				res.Kwargs["k"] != "v" || res.Kwargs["from"] != "python" {
				t.Errorf("echo: args %v kwargs %v", res.Args, res.Kwargs)
			}
			if err := gs.Publish(ctx, "com.example.go.news", wamp.List{"from go", 9}, nil, &client.PublishOptions{Acknowledge: true}); err != nil {
				t.Fatalf("publish: %v", err)
			}

			// Python → Go: what the peer printed, and its event here.
			if l := py.wait(t, "add2:"); l != "add2: 5" {
				t.Errorf("python got %q, want add2: 5", l)
			}
			if l := py.wait(t, "add2 error:"); l != "add2 error: wamp.error.invalid_argument" {
				t.Errorf("python got %q", l)
			}
			select {
			case e := <-events:
				if n, _ := wamp.AsInt64(e.Args[1]); len(e.Args) != 2 || e.Args[0] != "from python" || n != 7 {
					t.Errorf("event from python: %v", e.Args)
				}
			case <-ctx.Done():
				t.Fatal("no event from python")
			}
			if l := py.wait(t, "event:"); l != "event: ['from go', 9]" {
				t.Errorf("python got %q", l)
			}
			py.wait(t, "done")
			select {
			case <-py.exited:
				if py.err != nil {
					t.Errorf("fabric_peer.py: %v; its output:\n%s", py.err, strings.Join(py.out, "\n"))
				}
			case <-ctx.Done():
				t.Error("fabric_peer.py did not exit after done")
			}
		})
	}
}

// goAdd2 adds two integers; anything else is wamp.error.invalid_argument.
func goAdd2(_ context.Context, inv *client.Invocation) (*client.Result, error) {
	if len(inv.Args) == 2 {
		x, ok1 := wamp.AsInt64(inv.Args[0])
		y, ok2 := wamp.AsInt64(inv.Args[1])
		if ok1 && ok2 {
			return &client.Result{Args: wamp.List{x + y}}, nil
		}
	}
	return nil, &client.Error{URI: wamp.ErrInvalidArgument, Args: wamp.List{"add2 takes two integers"}}
}
