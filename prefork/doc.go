// Package prefork runs one program as several processes that share their
// listening ports, one parent supervising them: the way past one process's
// limits (open files, one garbage collector, one scheduler) on one machine.
//
// The parent calls Run; Run starts Options.Procs copies of the running
// executable (or Options.Path) as children. Each child knows it is one
// (Child), listens on the same addresses with SO_REUSEPORT (Listen,
// Control, or eventloop.Config.ReusePort), so that the kernel spreads new
// connections among the children, calls Ready once it serves, and shuts
// down gracefully on SIGTERM. The parent:
//
//   - reserves each address first (Reserve) when the port may be 0, so
//     every child binds the same port and the port stays taken while a
//     child restarts;
//   - restarts a child that dies, after a back-off that doubles with each
//     restart in the last minute (Options.RestartBackoff, up to
//     Options.MaxRestartBackoff), and gives up (ErrTooManyRestarts,
//     stopping the others) past Options.MaxRestartsPerMinute;
//   - when its context is done (wire SIGINT and SIGTERM to it with
//     signal.NotifyContext), sends every child SIGTERM, waits up to
//     Options.ShutdownTimeout, kills the rest, and returns nil when every
//     child exited with status 0.
//
// Children run in their own process group, so a terminal's Ctrl-C reaches
// the parent only and the parent forwards it exactly once; a child whose
// parent dies gets SIGTERM (Linux's parent-death signal).
//
//	func main() {
//		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
//		defer stop()
//		if _, child := prefork.Child(); !child {
//			addr, hold, err := prefork.Reserve("tcp", "127.0.0.1:9000")
//			...
//			defer hold.Close()
//			err = prefork.Run(ctx, prefork.Options{Procs: 4, Args: []string{"-addr", addr.String()}})
//			...
//			return
//		}
//		ln, err := prefork.Listen("tcp", *addrFlag)
//		... serve on ln; prefork.Ready(); on ctx.Done() shut down gracefully
//	}
//
// Only Linux balances connections among SO_REUSEPORT sockets; elsewhere
// Run, Listen and Reserve return an error wrapping errors.ErrUnsupported.
//
// Limits: Run keeps two goroutines per child (its readiness, its exit) and
// a timer per child (its pending restart); nothing grows with the
// connections, which the children alone see, nor with the restarts.
package prefork
