// Command autobahn is the one binary of Autobahn|Go.
//
//	autobahn serve   WebSocket echo on /echo, a WAMP router on /ws (realm1) and
//	                 a demo page on /, at 127.0.0.1:9000; with --config FILE
//	                 the router and transports of a Crossbar-style JSON file
//	                 (--check-config FILE checks one, SIGHUP reloads its
//	                 principals and permissions); --driver loop|std,
//	                 --tls-cert/--tls-key, --compress, --procs N (N processes
//	                 on one port, package prefork); serve -h lists the flags
//	autobahn nvx     the CPU's SIMD features, the kernel each one picked, and
//	                 a short throughput table
//	autobahn bench   load any ws:// echo server: bench run URL (throughput,
//	                 latency histogram, server CPU; closed or open loop),
//	                 bench idle URL (memory per idle connection, pings)
//	autobahn version the module version, the Go version and the SIMD kernels
//	                 picked
//	autobahn wamp    a WAMP client on the command line: call, publish,
//	                 subscribe, register (echo or a command) against any router
//
// Run `autobahn help` for the list of subcommands.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"
)

// command is one subcommand: it gets its own arguments and the output.
type command struct {
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

var commands = map[string]command{
	"nvx": {"show the CPU's SIMD features, the kernels' picks and their throughput", runNVX},
}

func main() {
	// SIGINT or SIGTERM: a clean shutdown, which exits 0.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	var ue usageError
	switch {
	case errors.As(err, &ue):
		fmt.Fprintln(os.Stderr, "autobahn:", err)
		os.Exit(2)
	case err != nil:
		fmt.Fprintln(os.Stderr, "autobahn:", err)
		os.Exit(1)
	}
}

// usageError is a command line that names no command: exit status 2.
type usageError struct{ error }

func (u usageError) Unwrap() error { return u.error }

// setUsage makes fs's -h print a synopsis, examples and the flags on out.
func setUsage(fs *flag.FlagSet, out io.Writer, synopsis, examples string) {
	fs.SetOutput(out)
	fs.Usage = func() {
		fmt.Fprintf(out, "usage: %s\n\nExamples:\n%s\nFlags:\n", synopsis, examples)
		fs.PrintDefaults()
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout)
		return nil
	}
	cmd, ok := commands[args[0]]
	if !ok {
		usage(stderr)
		return usageError{fmt.Errorf("unknown command %q", args[0])}
	}
	err := cmd.run(ctx, args[1:], stdout, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil // -h: the subcommand printed its usage
	}
	return err
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: autobahn <command> [flags]")
	fmt.Fprintln(w)
	names := make([]string, 0, len(commands))
	for name := range commands {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		fmt.Fprintf(w, "  %-8s %s\n", name, commands[name].summary)
	}
}
