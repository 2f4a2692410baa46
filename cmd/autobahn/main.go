// Command autobahn is the one binary of Autobahn|Go.
//
//	autobahn serve   WebSocket echo on /echo, a WAMP router on /ws (realm1) and
//	                 a demo page on /, at 127.0.0.1:9000, on the event loop
//	                 (--driver std: on net/http); with --config FILE
//	                 the router and transports of a Crossbar-style JSON file
//	                 (--check-config FILE checks one, SIGHUP reloads its
//	                 principals and permissions); --driver loop|std,
//	                 --tls-cert/--tls-key, --compress, --procs N (N processes
//	                 on one port, package prefork); serve -h lists the flags
//	autobahn nvx     the CPU's SIMD features, the kernel each one picked, and
//	                 a short throughput table
//	autobahn bench   load any ws:// echo server: bench run URL (throughput,
//	                 latency histogram, server CPU; closed or open loop),
//	                 bench idle URL (memory per idle connection, pings);
//	                 bench compare (the servers of bench/, side by side),
//	                 bench report (its JSON as Markdown and charts), bench
//	                 kernels (the SIMD kernels by size), bench wamp URL (a
//	                 WAMP router's calls and events per second)
//	autobahn version the module version, the Go version and the SIMD kernels
//	                 picked
//	autobahn wamp    a WAMP client on the command line: call, publish,
//	                 subscribe, register (echo or a command) against any router
//
// Run `autobahn help` for the list of subcommands.
//
// The code is package internal/cli; this build has no NATS (serve --nats
// says where the NATS build, autobahn-fabric, is).
package main

import "github.com/autobahn-go/autobahn/internal/cli"

func main() { cli.Main(cli.Extension{}) }
