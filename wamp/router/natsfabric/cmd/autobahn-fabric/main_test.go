package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/internal/cli"
	"github.com/autobahn-go/autobahn/internal/leakcheck"
	"github.com/autobahn-go/autobahn/prefork"
	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/serialize/cbor"
	"github.com/autobahn-go/autobahn/wamp/transport/websocket"
)

var ext = cli.Extension{ServeFlags: natsFlags}

func TestMain(m *testing.M) {
	if _, child := prefork.Child(); child {
		// serve --procs N in a test starts this binary as its children:
		// they run the command, not the tests.
		cli.Main(ext)
	}
	leakcheck.Main(m)
}

// serve runs `autobahn-fabric serve args` in this process until the test
// ends (then it must return nil: a clean shutdown); it returns the first
// n lines serve printed.
func serve(t *testing.T, n int, args ...string) []string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := cli.Run(ctx, append([]string{"serve"}, args...), pw, io.Discard, ext)
		pw.Close()
		done <- err
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve %q: %v", args, err)
		}
	})
	br := bufio.NewReader(pr)
	var lines []string
	for range n {
		line, err := br.ReadString('\n')
		if err != nil {
			cancel()
			t.Fatalf("serve %q: %v (printed %q)", args, err, lines)
		}
		lines = append(lines, line)
	}
	go func() { _, _ = io.Copy(io.Discard, br) }()
	return lines
}

func find(t *testing.T, re string, lines []string) string {
	t.Helper()
	m := regexp.MustCompile(re).FindStringSubmatch(strings.Join(lines, ""))
	if m == nil {
		t.Fatalf("no %s in %q", re, lines)
	}
	return m[1]
}

// join opens a WAMP session on ws://addr/ws until the test ends.
func join(t *testing.T, addr string) *client.Session {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := websocket.Dial(ctx, "ws://"+addr+"/ws", websocket.Options{Serializers: []wamp.Serializer{cbor.Serializer{}}})
	if err != nil {
		t.Fatal(err)
	}
	s, err := client.Join(ctx, c, "realm1", client.JoinOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// register registers procedure on s: it answers with answer.
func register(ctx context.Context, t *testing.T, s *client.Session, procedure wamp.URI, answer string) {
	t.Helper()
	if _, err := s.Register(ctx, procedure, func(context.Context, *client.Invocation) (*client.Result, error) {
		return &client.Result{Args: wamp.List{answer}}, nil
	}, nil); err != nil {
		t.Fatal(err)
	}
}

// callAcross calls procedure on s, registered on another router: until
// that router's announcement arrived the procedure does not exist here.
func callAcross(ctx context.Context, t *testing.T, s *client.Session, procedure wamp.URI, want string) {
	t.Helper()
	for {
		res, err := s.Call(ctx, procedure, nil, nil, nil)
		var we *client.Error
		if errors.As(err, &we) && we.URI == wamp.ErrNoSuchProcedure && ctx.Err() == nil {
			time.Sleep(5 * time.Millisecond) // the next heartbeat (50 ms)
			continue
		}
		if err != nil {
			t.Fatalf("call %s: %v", procedure, err)
		}
		if len(res.Args) != 1 || res.Args[0] != want {
			t.Fatalf("call %s: result %v, want %q", procedure, res.Args, want)
		}
		return
	}
}

// startCluster starts a serve with an embedded NATS server that takes
// other routers; it returns its WAMP address and NATS URL.
func startCluster(t *testing.T) (wsAddr, natsURL string) {
	lines := serve(t, 3, "--addr", "127.0.0.1:0", "--nats-embedded", "--nats-listen", "127.0.0.1:0", "--nats-heartbeat", "50ms")
	return find(t, `WAMP router, realm realm1, on ws://(\S+)/ws`, lines), find(t, `routers join with --nats (nats://\S+)`, lines)
}

// Two serves, the second joining the first's embedded NATS server: a
// session on the first calls a procedure registered on the second, and
// a publication on the second reaches a subscriber on the first. Both
// run the demo, whose procedures both register (single registrations:
// each router keeps its own, the conflict is only logged).
func TestTwoServes(t *testing.T) {
	ws1, natsURL := startCluster(t)
	lines := serve(t, 3, "--addr", "127.0.0.1:0", "--nats", natsURL, "--nats-heartbeat", "50ms")
	find(t, `NATS fabric, node \S+, on the (NATS nats://\S+)`, lines)
	ws2 := find(t, `WAMP router, realm realm1, on ws://(\S+)/ws`, lines)
	first, second := join(t, ws1), join(t, ws2)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	register(ctx, t, second, "com.example.hello", "hello from the second")
	callAcross(ctx, t, first, "com.example.hello", "hello from the second")

	events := make(chan *wamp.Event, 1)
	if _, err := first.Subscribe(ctx, "com.example.news", func(e *wamp.Event) {
		select {
		case events <- e:
		default:
		}
	}, nil); err != nil {
		t.Fatal(err)
	}
	// SUBSCRIBED comes once NATS has the subscription: one publication
	// on the other router reaches it.
	if err := second.Publish(ctx, "com.example.news", wamp.List{"extra"}, nil, &client.PublishOptions{Acknowledge: true}); err != nil {
		t.Fatal(err)
	}
	select {
	case e := <-events:
		if len(e.Args) != 1 || e.Args[0] != "extra" {
			t.Fatalf("event %v", e.Args)
		}
	case <-ctx.Done():
		t.Fatal("the publication on the second router did not reach the first's subscriber")
	}

	// A third serve joins a cluster whose routers know each other's
	// registrations, the demo's among them: its demo registers them too
	// (shared), and they answer on every router.
	lines = serve(t, 3, "--addr", "127.0.0.1:0", "--nats", natsURL, "--nats-heartbeat", "50ms")
	third := join(t, find(t, `WAMP router, realm realm1, on ws://(\S+)/ws`, lines))
	for _, s := range []*client.Session{first, second, third} {
		res, err := s.Call(ctx, "com.example.add2", wamp.List{2, 3}, nil, nil)
		if err != nil || len(res.Args) != 1 || fmt.Sprint(res.Args[0]) != "5" {
			t.Fatalf("com.example.add2: %v, %v", res, err)
		}
	}
}

// serve --procs 2 --nats URL: every child is a router that joins the
// cluster. Sessions on the prefork port (each on the child the kernel
// picks) register procedures a session on the other serve calls.
func TestPreforkJoins(t *testing.T) {
	ws1, natsURL := startCluster(t)
	lines := serve(t, 3, "--addr", "127.0.0.1:0", "--procs", "2", "--nats", natsURL, "--nats-heartbeat", "50ms")
	ws2 := find(t, `WAMP router, realm realm1, on ws://(\S+)/ws`, lines)
	find(t, `2 processes share these ports \(SO_REUSEPORT\), pids (\d+ \d+)`, lines)
	find(t, `(each joining the fabric)`, lines) // not "realms are not shared"
	caller := join(t, ws1)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for i := range 4 {
		procedure := wamp.URI(fmt.Sprintf("com.example.p%d", i))
		register(ctx, t, join(t, ws2), procedure, string(procedure))
		callAcross(ctx, t, caller, procedure, string(procedure))
	}
}

// Flags that cannot work are refused before anything starts; a NATS
// server that is not there is an error too.
func TestFlags(t *testing.T) {
	for _, args := range [][]string{
		{"--nats", "nats://127.0.0.1:1", "--nats-embedded"},
		{"--nats-listen", "127.0.0.1:0"},
		{"--nats-embedded", "--nats-listen", "nonsense"},
		{"--nats-embedded", "--procs", "2"},
		{"--nats-embedded", "--nats-heartbeat", "0s"},
		{"--nats", "nats://127.0.0.1:1"},
		{"--nats-embedded", "--nats-store", "/tmp/x"}, // without --nats-jetstream
		{"--bogus"},
	} {
		err := cli.Run(context.Background(), append([]string{"serve", "--addr", "127.0.0.1:0"}, args...), io.Discard, io.Discard, ext)
		if err == nil {
			t.Errorf("serve %q accepted", args)
		}
	}
}

// TestJetStreamRetained: with --nats-jetstream a serve started after a
// retained publication on another router still gives it to a subscriber
// asking for it (get_retained), from the cluster's JetStream; and the
// embedded server's temporary store is gone once serve ended.
func TestJetStreamRetained(t *testing.T) {
	before, _ := filepath.Glob(filepath.Join(os.TempDir(), "autobahn-nats-*"))
	t.Run("serves", func(t *testing.T) {
		lines := serve(t, 3, "--addr", "127.0.0.1:0", "--nats-embedded", "--nats-listen", "127.0.0.1:0", "--nats-jetstream", "--nats-heartbeat", "50ms")
		first := join(t, find(t, `WAMP router, realm realm1, on ws://(\S+)/ws`, lines))
		natsURL := find(t, `routers join with --nats (nats://\S+)`, lines)
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if err := first.Publish(ctx, "com.example.status", wamp.List{"green"}, nil, &client.PublishOptions{Retain: true, Acknowledge: true}); err != nil {
			t.Fatal(err)
		}
		lines = serve(t, 3, "--addr", "127.0.0.1:0", "--nats", natsURL, "--nats-jetstream", "--nats-heartbeat", "50ms")
		second := join(t, find(t, `WAMP router, realm realm1, on ws://(\S+)/ws`, lines))
		// The retained write to JetStream is not acknowledged to the
		// publisher (natsfabric's doc): ask again until it is there.
		for {
			events := make(chan *wamp.Event, 1)
			sub, err := second.Subscribe(ctx, "com.example.status", func(e *wamp.Event) {
				select {
				case events <- e:
				default:
				}
			}, &client.SubscribeOptions{GetRetained: true})
			if err != nil {
				t.Fatal(err)
			}
			select {
			case e := <-events:
				if len(e.Args) != 1 || e.Args[0] != "green" {
					t.Fatalf("retained event %v", e.Args)
				}
				return
			case <-time.After(200 * time.Millisecond):
				// No retained event with SUBSCRIBED's answer: not stored yet.
			case <-ctx.Done():
				t.Fatal("the retained event published on the first router never reached the second's subscriber")
			}
			if err := second.Unsubscribe(ctx, sub); err != nil {
				t.Fatal(err)
			}
		}
	})
	after, _ := filepath.Glob(filepath.Join(os.TempDir(), "autobahn-nats-*"))
	if len(after) > len(before) {
		t.Errorf("temporary JetStream stores left behind: %v (before: %v)", after, before)
	}
}
