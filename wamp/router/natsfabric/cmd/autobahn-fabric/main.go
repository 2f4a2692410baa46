// Command autobahn-fabric runs a WAMP router that federates with the
// other routers of a NATS cluster (package natsfabric): WebSocket clients
// on --listen (path /ws; JSON, MessagePack and CBOR) join --realm, and
// publish, subscribe, call and register across every router connected to
// the same NATS.
//
//	autobahn-fabric --listen 127.0.0.1:8080 --nats-embedded --nats-listen 127.0.0.1:4222
//	autobahn-fabric --listen 127.0.0.1:8081 --nats nats://127.0.0.1:4222
//
// The first starts a NATS server in the process (without --nats-listen it
// takes no connections: a one-router cluster, for trying things out); the
// second joins it. It runs until SIGINT or SIGTERM, then leaves the
// fabric (the other routers drop its registrations at once) and closes
// its sessions.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/router"
	"github.com/autobahn-go/autobahn/wamp/router/natsfabric"
	"github.com/autobahn-go/autobahn/wamp/serialize/cbor"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
	"github.com/autobahn-go/autobahn/wamp/serialize/msgpack"
	"github.com/autobahn-go/autobahn/wamp/transport/websocket"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stderr, nil); err != nil {
		fmt.Fprintln(os.Stderr, "autobahn-fabric:", err)
		os.Exit(1)
	}
}

// addrs is where a running instance listens (for tests).
type addrs struct {
	ws   string // host:port of the WebSocket listener
	nats string // the embedded NATS server's client URL; "" when none
}

// run serves until ctx ends; ready, when set, is told where it listens.
func run(ctx context.Context, args []string, stderr io.Writer, ready func(addrs)) error {
	fs := flag.NewFlagSet("autobahn-fabric", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:8080", "WebSocket address (path /ws)")
	realm := fs.String("realm", "realm1", "realm URI (anonymous clients)")
	natsURL := fs.String("nats", "", "NATS server URL(s) to join, comma-separated")
	embedded := fs.Bool("nats-embedded", false, "start a NATS server in the process")
	natsListen := fs.String("nats-listen", "", "host:port the embedded NATS server takes clients on (other routers); empty: none")
	heartbeat := fs.Duration("heartbeat", natsfabric.DefaultHeartbeat, "how often the router announces its registrations")
	ttl := fs.Duration("ttl", 0, "how long another router's registrations outlive its last announcement (0: 3 × heartbeat)")
	verbose := fs.Bool("v", false, "log debug messages")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *embedded == (*natsURL != "") {
		return errors.New("give exactly one of --nats URL and --nats-embedded")
	}
	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	var nc *nats.Conn
	var where addrs
	if *embedded {
		ns, err := startNATS(*natsListen)
		if err != nil {
			return err
		}
		defer func() { ns.Shutdown(); ns.WaitForShutdown() }()
		if *natsListen != "" {
			where.nats = ns.ClientURL()
		}
		if nc, err = nats.Connect("", nats.InProcessServer(ns), nats.NoEcho()); err != nil {
			return err
		}
	} else {
		var err error
		// NoEcho: the router's own publications are not sent back to it.
		if nc, err = nats.Connect(*natsURL, nats.Name("autobahn-fabric"), nats.MaxReconnects(-1), nats.NoEcho()); err != nil {
			return err
		}
	}
	defer nc.Close()

	fab := natsfabric.New(nc, natsfabric.Options{Heartbeat: *heartbeat, TTL: *ttl, Logger: log})
	r, err := router.New(router.Config{Realms: []router.RealmConfig{{Name: wamp.URI(*realm), AllowAnonymous: true}}, Fabric: fab, Logger: log})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		fab.Close()
		r.Close(context.Background())
		return err
	}
	where.ws = ln.Addr().String()
	opts := websocket.Options{Serializers: []wamp.Serializer{json.Serializer{}, msgpack.Serializer{}, cbor.Serializer{}}}
	mux := http.NewServeMux()
	mux.HandleFunc("/ws", func(w http.ResponseWriter, req *http.Request) {
		c, err := websocket.Accept(w, req, opts)
		if err != nil {
			return // Accept answered with the HTTP error
		}
		if err := r.Attach(c); err != nil {
			log.Debug("session refused", "err", err)
		}
	})
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, MaxHeaderBytes: 16 << 10}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	log.Info("autobahn-fabric serving", "ws", "ws://"+where.ws+"/ws", "realm", *realm, "node", fab.Node(), "nats", natsDesc(*natsURL, where.nats))
	if ready != nil {
		ready(where)
	}

	select {
	case <-ctx.Done():
	case err = <-served:
	}
	fab.Close()
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	r.Close(sctx)
	hs.Shutdown(sctx)
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

func natsDesc(url, embedded string) string {
	switch {
	case url != "":
		return url
	case embedded != "":
		return "embedded, clients on " + embedded
	}
	return "embedded, in-process only"
}

// startNATS starts an embedded NATS server: taking clients on hostport,
// or none when it is empty.
func startNATS(hostport string) (*server.Server, error) {
	o := &server.Options{NoLog: true, NoSigs: true, DontListen: hostport == ""}
	if hostport != "" {
		host, port, err := net.SplitHostPort(hostport)
		if err != nil {
			return nil, fmt.Errorf("--nats-listen: %w", err)
		}
		if o.Port, err = strconv.Atoi(port); err != nil {
			return nil, fmt.Errorf("--nats-listen: %w", err)
		}
		if o.Port == 0 {
			o.Port = server.RANDOM_PORT
		}
		o.Host = host
	}
	ns, err := server.NewServer(o)
	if err != nil {
		return nil, err
	}
	ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		ns.Shutdown()
		return nil, errors.New("the embedded NATS server did not start")
	}
	return ns, nil
}
