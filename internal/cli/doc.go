// Package cli is the autobahn command: its subcommands serve, bench, nvx,
// version and wamp (see cmd/autobahn for what each does). It is a package
// and not package main so that more than one binary can be built from
// it: cmd/autobahn, and wamp/router/natsfabric/cmd/autobahn-fabric, the
// same command with NATS in a module of its own (Go's internal rule is
// by path, so that module may import this package).
//
// A binary is one line:
//
//	func main() { cli.Main(cli.Extension{}) }
//
// Main runs os.Args until SIGINT or SIGTERM and exits with the status
// (0, 1 for an error, 2 for a bad command line); Run is the same on any
// arguments and writers, for tests.
//
// # Extension
//
// An Extension adds what the main module must not depend on. Today that
// is one thing: a router.Fabric for serve's router. ServeFlags adds its
// flags to serve's flag set (once per command line) and returns a
// ServeFabric: Check refuses flag combinations before anything starts,
// Open makes the fabric in every process that runs a router (each
// --procs child; with --config too). On shutdown serve leaves the fabric
// (its Close method, when it has one) before it closes the router, then
// calls the closeFab Open returned. Without an extension serve still
// lists --nats, --nats-embedded and --nats-listen, and refuses them with
// a usage error that says how to install autobahn-fabric.
//
// # Tests
//
// serve --procs N starts N copies of the running binary (package
// prefork): in a test, the test binary, whose TestMain runs Main in
// them (prefork.Child).
package cli
