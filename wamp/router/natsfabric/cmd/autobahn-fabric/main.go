// Command autobahn-fabric is the autobahn command (cmd/autobahn: serve,
// bench, nvx, version, wamp, the same flags) built with NATS: its serve
// joins the WAMP routers of a NATS cluster (package natsfabric), so that
// sessions on any of them publish, subscribe, call and register across
// all of them. It is a module of its own so that cmd/autobahn needs
// neither NATS nor its Go version.
//
//	cd wamp/router/natsfabric && go install ./cmd/autobahn-fabric   # from a checkout
//
// (`go install …/natsfabric/cmd/autobahn-fabric@latest` needs a published
// version of the main module: until then this module's go.mod replaces it
// by path, and go install refuses a module with a replace directive.)
//
//	autobahn-fabric serve --addr 127.0.0.1:9000 --nats-embedded --nats-listen 127.0.0.1:4222
//	autobahn-fabric serve --addr 127.0.0.1:9001 --nats nats://127.0.0.1:4222
//
// The first starts a NATS server in the process (without --nats-listen it
// takes no connections: a one-router cluster, for trying things out); the
// second joins it. serve -h lists the flags (those of NATS: --nats,
// --nats-embedded, --nats-listen, --nats-jetstream, --nats-store,
// --nats-heartbeat, --nats-ttl); without
// --nats or --nats-embedded serve runs alone, as autobahn's does. On
// SIGINT or SIGTERM the router leaves the fabric first (the other routers
// drop its registrations at once), then closes its sessions.
//
// --nats-jetstream keeps retained events and event histories for the
// whole cluster on the NATS server's JetStream (natsfabric's "Retention
// and history"); --nats-embedded then starts its server with JetStream,
// storing in --nats-store or a temporary directory removed at exit.
//
// With --procs N every process is a router of its own that joins --nats;
// --nats-embedded, one NATS server in one process, does not combine with
// --procs (start it in a serve of its own and give the others --nats).
// With --config FILE the file's router joins the fabric the same way.
package main

import "github.com/autobahn-go/autobahn/internal/cli"

func main() { cli.Main(cli.Extension{ServeFlags: natsFlags}) }
