package cli

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
// A command the Extension adds to (serve) has runExt instead of run.
type command struct {
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
	runExt  func(ctx context.Context, args []string, stdout, stderr io.Writer, ext Extension) error
}

var commands = map[string]command{
	"nvx": {summary: "show the CPU's SIMD features, the kernels' picks and their throughput", run: runNVX},
}

// Main runs the command line os.Args[1:] with ext and exits the process:
// status 0 when the command succeeded (SIGINT or SIGTERM is a clean
// shutdown), 2 for a command line that names no command or a bad flag, 1
// for any other error, printed on stderr.
func Main(ext Extension) {
	// SIGINT or SIGTERM: a clean shutdown, which exits 0.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := Run(ctx, os.Args[1:], os.Stdout, os.Stderr, ext)
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
	os.Exit(0)
}

// usageError is a command line that names no command: exit status 2.
type usageError struct{ error }

func (u usageError) Unwrap() error { return u.error }

// setUsage gives fs a synopsis and examples, and returns fs's parse: -h
// (or --help) prints them and the flags on stdout and returns
// flag.ErrHelp (Run: exit status 0); a bad flag prints the error and the
// usage on stderr and returns the error (the caller's usageError: exit
// status 2).
func setUsage(fs *flag.FlagSet, stdout, stderr io.Writer, synopsis, examples string) (parse func(args []string) error) {
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	usage := func(w io.Writer) {
		fmt.Fprintf(w, "usage: %s\n\nExamples:\n%s\nFlags:\n", synopsis, examples)
		fs.SetOutput(w)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
	return func(args []string) error {
		err := fs.Parse(args)
		switch {
		case errors.Is(err, flag.ErrHelp):
			usage(stdout)
		case err != nil:
			fmt.Fprintln(stderr, err)
			usage(stderr)
		}
		return err
	}
}

// Run runs one command line (args without the program name) with ext
// until it ends or ctx is done; -h is not an error.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer, ext Extension) error {
	if len(args) > 1 && args[0] == "help" {
		// help CMD [MODE]: that command's usage, as CMD [MODE] -h.
		args = append(args[1:len(args):len(args)], "-h")
	}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout)
		return nil
	}
	cmd, ok := commands[args[0]]
	if !ok {
		usage(stderr)
		return usageError{fmt.Errorf("unknown command %q", args[0])}
	}
	var err error
	if cmd.runExt != nil {
		err = cmd.runExt(ctx, args[1:], stdout, stderr, ext)
	} else {
		err = cmd.run(ctx, args[1:], stdout, stderr)
	}
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

// run is Run without an extension: the plain autobahn binary.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return Run(ctx, args, stdout, stderr, Extension{})
}
