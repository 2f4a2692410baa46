package cli

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/router"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
	"github.com/autobahn-go/autobahn/wamp/transport/websocket"
)

// The binary without NATS lists the NATS flags and refuses them with a
// usage error that says how to install the NATS build.
func TestServeNATSNeedsTheNATSBuild(t *testing.T) {
	for _, args := range [][]string{{"--nats", "nats://127.0.0.1:4222"}, {"--nats-embedded"}, {"--nats-listen", "127.0.0.1:4222"}} {
		err := run(context.Background(), append([]string{"serve", "--addr", "127.0.0.1:0"}, args...), io.Discard, io.Discard)
		var ue usageError
		if !errors.As(err, &ue) || !errors.Is(err, errNoNATS) || !strings.Contains(err.Error(), natsInstall) {
			t.Errorf("serve %q: %v, want a usage error with %q", args, err, natsInstall)
		}
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"serve", "-h"}, &out, io.Discard); err != nil || !strings.Contains(out.String(), "-nats-embedded") {
		t.Fatalf("serve -h: %v, the usage lacks -nats-embedded:\n%s", err, out.String())
	}
}

// fakeFabric records what serve does with the fabric of an Extension.
type fakeFabric struct {
	mu     sync.Mutex
	link   *router.FabricLink
	events []string
	pubs   chan wamp.URI
}

func (f *fakeFabric) record(event string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.events = append(f.events, event)
}

// registrations is how many procedures the router has in realm1: the
// demo's two while it runs.
func (f *fakeFabric) registrations() int {
	f.mu.Lock()
	link := f.link
	f.mu.Unlock()
	if link == nil {
		return -1
	}
	return len(link.Registrations("realm1"))
}

func (f *fakeFabric) Start(link *router.FabricLink) error {
	f.mu.Lock()
	f.link = link
	f.mu.Unlock()
	f.record("start")
	return nil
}

func (f *fakeFabric) Publish(p *router.FabricPublication) {
	select {
	case f.pubs <- p.Topic:
	default:
	}
}

func (f *fakeFabric) Invoke(*router.FabricCall) error {
	return errors.New("fake fabric: no remote callee")
}
func (f *fakeFabric) RegistrationsChanged(wamp.URI) {}

// Close is the fabric's leave: serve calls it before the router closes.
func (f *fakeFabric) Close() error {
	f.record(fmt.Sprintf("leave with %d registrations", f.registrations()))
	return nil
}

// ext is an Extension whose --fake-fabric joins f; it refuses --procs.
func (f *fakeFabric) ext() Extension {
	return Extension{ServeFlags: func(fs *flag.FlagSet) ServeFabric {
		on := fs.Bool("fake-fabric", false, "join the test's fabric")
		return ServeFabric{
			Check: func(procs int) error {
				if *on && procs > 1 {
					return errors.New("serve: --fake-fabric does not combine with --procs")
				}
				return nil
			},
			Open: func(stdout io.Writer, _ *slog.Logger) (router.Fabric, func(), error) {
				if !*on {
					return nil, nil, nil
				}
				f.record("open")
				fmt.Fprintln(stdout, "autobahn serve: fake fabric")
				return f, func() { f.record(fmt.Sprintf("close with %d registrations", f.registrations())) }, nil
			},
		}
	}}
}

// An Extension's fabric: its flag on serve's command line, its Check a
// usage error, the router joins it (a publication reaches it), and on
// shutdown serve leaves it while the router still runs (the demo's
// registrations are there), closes it after the router closed.
func TestServeFabric(t *testing.T) {
	f := &fakeFabric{pubs: make(chan wamp.URI, 1)}
	var ue usageError
	if err := Run(context.Background(), []string{"serve", "--addr", "127.0.0.1:0", "--fake-fabric", "--procs", "2"}, io.Discard, io.Discard, f.ext()); !errors.As(err, &ue) || !strings.Contains(err.Error(), "--procs") {
		t.Fatalf("--fake-fabric --procs 2: %v, want the extension's usage error", err)
	}
	_, stop := startServeExt(t, f.ext(), 2, "--addr", "127.0.0.1:0")
	if err := stop(); err != nil || len(f.events) != 0 {
		t.Fatalf("without --fake-fabric: %v, events %q", err, f.events)
	}

	lines, stop := startServeExt(t, f.ext(), 3, "--addr", "127.0.0.1:0", "--fake-fabric")
	if lines[0] != "autobahn serve: fake fabric\n" {
		t.Fatalf("first line %q", lines[0])
	}
	addr := regexp.MustCompile(`on ws://(\S+)/ws`).FindStringSubmatch(lines[2])
	if addr == nil {
		t.Fatalf("no WAMP address in %q", lines[2])
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := websocket.Dial(ctx, "ws://"+addr[1]+"/ws", websocket.Options{Serializers: []wamp.Serializer{json.Serializer{}}})
	if err != nil {
		t.Fatal(err)
	}
	s, err := client.Join(ctx, c, "realm1", client.JoinOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Publish(ctx, "com.example.news", nil, nil, &client.PublishOptions{Acknowledge: true}); err != nil {
		t.Fatal(err)
	}
	select {
	case topic := <-f.pubs:
		if topic != "com.example.news" {
			t.Fatalf("the fabric got %s", topic)
		}
	case <-ctx.Done():
		t.Fatal("the publication did not reach the fabric")
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	want := []string{"open", "start", "leave with 2 registrations", "close with 0 registrations"}
	if !slices.Equal(f.events, want) {
		t.Fatalf("events %q, want %q", f.events, want)
	}
}

// serve --config: the file's router joins the fabric too, and leaves it
// before it closes.
func TestServeConfigFabric(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "router.json")
	if err := os.WriteFile(path, []byte(routerConfig([]string{"com.a"}, map[string]string{"alice": "A"}, false)), 0o600); err != nil {
		t.Fatal(err)
	}
	f := &fakeFabric{pubs: make(chan wamp.URI, 1)}
	lines, stop := startServeExt(t, f.ext(), 5, "--config", path, "--fake-fabric")
	if lines[0] != "autobahn serve: fake fabric\n" || !strings.Contains(lines[1], "WAMP router from") {
		t.Fatalf("lines %q", lines)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	want := []string{"open", "start", "leave with 0 registrations", "close with 0 registrations"}
	if !slices.Equal(f.events, want) {
		t.Fatalf("events %q, want %q", f.events, want)
	}
}
