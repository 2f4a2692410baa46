package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strconv"
	"time"

	"github.com/autobahn-go/autobahn/internal/cli"
	"github.com/autobahn-go/autobahn/wamp/router"
	"github.com/autobahn-go/autobahn/wamp/router/natsfabric"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

// natsServe is serve's NATS flags on one command line.
type natsServe struct {
	url, listen    string
	embedded       bool
	jetStream      bool
	store          string
	heartbeat, ttl time.Duration
}

// natsFlags adds the NATS flags to serve's (cli.Extension.ServeFlags).
func natsFlags(fs *flag.FlagSet) cli.ServeFabric {
	n := new(natsServe)
	fs.StringVar(&n.url, "nats", "", "join the WAMP routers of the NATS cluster at this URL (comma-separated URLs: any of its servers)")
	fs.BoolVar(&n.embedded, "nats-embedded", false, "start a NATS server in this process and join it (a cluster of one box; other routers join it with --nats when --nats-listen is given)")
	fs.StringVar(&n.listen, "nats-listen", "", "host:port where the --nats-embedded server takes other routers (port 0: any free port; empty: none, in-process only)")
	fs.DurationVar(&n.heartbeat, "nats-heartbeat", natsfabric.DefaultHeartbeat, "how often the router announces its registrations to the others")
	fs.BoolVar(&n.jetStream, "nats-jetstream", false, "keep retained events and event histories for the whole cluster on JetStream (the NATS server must have it; --nats-embedded starts it with JetStream)")
	fs.StringVar(&n.store, "nats-store", "", "directory of the --nats-embedded server's JetStream store (empty: a temporary directory, removed at exit)")
	fs.DurationVar(&n.ttl, "nats-ttl", 0, "how long another router's registrations outlive its last announcement (0: 3 × --nats-heartbeat)")
	return cli.ServeFabric{Check: n.check, Open: n.open, Joins: func() bool { return n.url != "" || n.embedded }}
}

// check rejects the combinations that cannot work, with the reason.
func (n *natsServe) check(procs int) error {
	switch {
	case n.embedded && n.url != "":
		return errors.New("serve: --nats and --nats-embedded exclude each other: join a cluster or start one")
	case n.listen != "" && !n.embedded:
		return errors.New("serve: --nats-listen is the address of --nats-embedded's server")
	case n.embedded && procs > 1:
		return errors.New("serve: --nats-embedded does not combine with --procs (one NATS server, one process): " +
			"start it in a serve of its own (--nats-embedded --nats-listen ADDR) and give the --procs one --nats nats://ADDR")
	case n.store != "" && !(n.embedded && n.jetStream):
		return errors.New("serve: --nats-store is the JetStream store of --nats-embedded --nats-jetstream's server")
	case n.heartbeat <= 0:
		return fmt.Errorf("serve: --nats-heartbeat %v: want more than 0", n.heartbeat)
	case n.ttl < 0:
		return fmt.Errorf("serve: --nats-ttl %v: want 0 or more", n.ttl)
	}
	if n.listen != "" {
		if _, _, err := splitHostPort(n.listen); err != nil {
			return err
		}
	}
	return nil
}

// open connects to NATS (starting the embedded server first) and makes
// the router's fabric; closeFab closes the connection and the server.
func (n *natsServe) open(stdout io.Writer, log *slog.Logger) (router.Fabric, func(), error) {
	if n.url == "" && !n.embedded {
		return nil, nil, nil // serve alone
	}
	var (
		ns    *server.Server
		tmp   string // the embedded server's temporary JetStream store
		nc    *nats.Conn
		where string
		err   error
	)
	if n.embedded {
		if ns, tmp, err = startNATS(n.listen, n.jetStream, n.store); err != nil {
			return nil, nil, err
		}
		where = "embedded NATS server, in-process only"
		if n.listen != "" {
			where = "embedded NATS server, routers join with --nats " + ns.ClientURL()
		}
		nc, err = nats.Connect("", nats.InProcessServer(ns), nats.Name("autobahn serve"))
	} else {
		where = "NATS " + n.url
		// Not NoEcho: the fabric hears its own announcements back, which
		// tells a stall of this process from the other routers' silence.
		nc, err = nats.Connect(n.url, nats.Name("autobahn serve"), nats.MaxReconnects(-1))
	}
	if err != nil {
		stopNATS(ns)
		if tmp != "" {
			_ = os.RemoveAll(tmp)
		}
		return nil, nil, fmt.Errorf("serve: NATS: %w", err)
	}
	fab := natsfabric.New(nc, natsfabric.Options{Heartbeat: n.heartbeat, TTL: n.ttl, Logger: log, JetStream: n.jetStream})
	fmt.Fprintf(stdout, "autobahn serve: NATS fabric, node %s, on the %s\n", fab.Node(), where)
	log.Info("NATS fabric", "node", fab.Node(), "nats", where)
	return fab, func() {
		nc.Close()
		stopNATS(ns)
		if tmp != "" {
			_ = os.RemoveAll(tmp)
		}
	}, nil
}

func splitHostPort(hostport string) (string, int, error) {
	host, p, err := net.SplitHostPort(hostport)
	if err != nil {
		return "", 0, fmt.Errorf("serve: --nats-listen: %w", err)
	}
	port, err := strconv.Atoi(p)
	if err != nil || port < 0 || port > 65535 {
		return "", 0, fmt.Errorf("serve: --nats-listen %q: want a port number", hostport)
	}
	return host, port, nil
}

// startNATS starts an embedded NATS server: taking clients on hostport,
// or none when it is empty; with JetStream, in store or else in a
// temporary directory tmp, which the caller removes after the server.
func startNATS(hostport string, jetStream bool, store string) (ns *server.Server, tmp string, err error) {
	o := &server.Options{NoLog: true, NoSigs: true, DontListen: hostport == ""}
	if hostport != "" {
		host, port, err := splitHostPort(hostport)
		if err != nil {
			return nil, "", err
		}
		o.Host, o.Port = host, port
		if port == 0 {
			o.Port = server.RANDOM_PORT
		}
	}
	if jetStream {
		o.JetStream, o.StoreDir = true, store
		if store == "" {
			if tmp, err = os.MkdirTemp("", "autobahn-nats-"); err != nil {
				return nil, "", fmt.Errorf("serve: the embedded NATS server's store: %w", err)
			}
			o.StoreDir = tmp
		}
	}
	fail := func(err error) (*server.Server, string, error) {
		if tmp != "" {
			_ = os.RemoveAll(tmp)
		}
		return nil, "", err
	}
	if ns, err = server.NewServer(o); err != nil {
		return fail(fmt.Errorf("serve: the embedded NATS server: %w", err))
	}
	ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		stopNATS(ns)
		return fail(errors.New("serve: the embedded NATS server did not start (is --nats-listen free?)"))
	}
	return ns, tmp, nil
}

func stopNATS(ns *server.Server) {
	if ns != nil {
		ns.Shutdown()
		ns.WaitForShutdown()
	}
}
