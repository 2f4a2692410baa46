package cli

import (
	"errors"
	"flag"
	"io"
	"log/slog"
	"sync"

	"github.com/autobahn-go/autobahn/wamp/router"
)

// Extension adds to the command line what the main module must not
// depend on. The zero Extension is the plain autobahn binary; the NATS
// build (wamp/router/natsfabric/cmd/autobahn-fabric, a module of its own)
// sets ServeFlags.
type Extension struct {
	// ServeFlags, when set, is called once per `serve` command line,
	// before parsing, to add its flags to fs; the ServeFabric it returns
	// joins the router to the fabric those flags ask for. (Each call
	// returns its own, so serves in one process do not share flags.)
	ServeFlags func(fs *flag.FlagSet) ServeFabric
}

// ServeFabric joins the router of `serve` to a router.Fabric, as
// router.Config.Fabric: both with the default router and with --config.
type ServeFabric struct {
	// Check, when set, rejects a combination of flags serve cannot run;
	// procs is --procs. It is called after parsing, before anything
	// starts, in every process (a prefork parent too).
	Check func(procs int) error
	// Joins, when set, reports whether the flags ask for a fabric (a
	// prefork parent, which opens none, says so in its start-up line).
	Joins func() bool
	// Open, when set, is called in every process that runs a router
	// (each prefork child; not their parent), before the router is made,
	// with serve's start-up output and logger. fab nil: no fabric. When
	// fab has a Close() error method (natsfabric.Fabric), serve calls it
	// before it closes the router, so that the other routers drop this
	// one's registrations before its sessions go; closeFab (when not
	// nil) after the router closed (the NATS connection and server). Both
	// also when the router could not be made.
	Open func(stdout io.Writer, log *slog.Logger) (fab router.Fabric, closeFab func(), err error)
}

// natsInstall is how to get the build of autobahn with NATS from a
// checkout. (`go install …/cmd/autobahn-fabric@latest` works only once
// the main module is published: natsfabric's go.mod replaces it by path
// until then, and go install refuses a module with a replace.)
const natsInstall = "cd wamp/router/natsfabric && go install ./cmd/autobahn-fabric"

// errNoNATS answers the NATS flags in the binary without NATS.
var errNoNATS = errors.New("serve: this autobahn is built without NATS (it keeps the main module free of the dependency); " +
	"the same command with --nats, --nats-embedded and --nats-listen is autobahn-fabric, from a checkout: " + natsInstall)

// noNATSFlags defines the NATS build's serve flags in the plain binary,
// so that they are listed (serve -h) and refused with errNoNATS instead
// of "flag provided but not defined".
func noNATSFlags(fs *flag.FlagSet) ServeFabric {
	url := fs.String("nats", "", "join the WAMP routers of a NATS cluster at this URL (needs the NATS build: autobahn-fabric, see --nats-embedded)")
	embedded := fs.Bool("nats-embedded", false, "start a NATS server in the process (needs the NATS build: autobahn-fabric, from a checkout: "+natsInstall+")")
	listen := fs.String("nats-listen", "", "the address of --nats-embedded for other routers (needs the NATS build)")
	return ServeFabric{Check: func(int) error {
		if *url != "" || *embedded || *listen != "" {
			return errNoNATS
		}
		return nil
	}}
}

// openFabric is ServeFabric.Open; a nil one opens no fabric.
type openFabric func(stdout io.Writer, log *slog.Logger) (router.Fabric, func(), error)

// joinedFabric is the fabric a router joins; its funcs are never nil.
type joinedFabric struct {
	fab   router.Fabric
	leave func() // before the router closes: the fabric's Close
	close func() // after the router closed: closeFab
}

// open opens the fabric; leave and close do their work once.
func (o openFabric) open(stdout io.Writer, log *slog.Logger) (joinedFabric, error) {
	j := joinedFabric{leave: func() {}, close: func() {}}
	if o == nil {
		return j, nil
	}
	fab, closeFab, err := o(stdout, log)
	if err != nil {
		return j, err
	}
	j.fab = fab
	if c, ok := fab.(interface{ Close() error }); ok {
		j.leave = sync.OnceFunc(func() { _ = c.Close() })
	}
	if closeFab != nil {
		j.close = sync.OnceFunc(closeFab)
	}
	return j, nil
}
