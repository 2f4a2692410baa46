package prefork

import (
	"errors"
	"io"
	"log/slog"
	"os"
	"strconv"
	"time"
)

// The environment of a child: its index, and the descriptor on which it
// reports Ready.
const (
	envChild   = "AUTOBAHN_PREFORK_CHILD"
	envReadyFD = "AUTOBAHN_PREFORK_READY_FD"
)

// Defaults of Options.
const (
	DefaultRestartBackoff       = 100 * time.Millisecond
	DefaultMaxRestartBackoff    = 10 * time.Second
	DefaultMaxRestartsPerMinute = 10
	DefaultShutdownTimeout      = 30 * time.Second
)

// ErrTooManyRestarts: children died more often than
// Options.MaxRestartsPerMinute; Run stopped them all.
var ErrTooManyRestarts = errors.New("prefork: children restarted too often")

// Options configure Run. The zero value starts runtime.NumCPU() copies of
// the running executable with its own arguments.
type Options struct {
	// Procs is the number of children (default runtime.NumCPU()).
	Procs int
	// Path is the executable of the children (default os.Executable()).
	Path string
	// Args are the children's arguments, without the program name
	// (nil: os.Args[1:]).
	Args []string
	// Env is added to the parent's environment for the children.
	Env []string
	// Stdout and Stderr receive the children's output (nil: the parent's
	// os.Stdout and os.Stderr, shared directly). A writer that is no file
	// gets a child's output through a pipe until a second after the
	// child exited (Linux), so that processes it started and left
	// holding the pipe do not keep its exit unseen.
	Stdout, Stderr io.Writer
	// Ready, if set, is called once, with the children's process ids, when
	// every child of the first start has called Ready. A child that dies
	// before it is ready is restarted as any other.
	Ready func(pids []int)
	// RestartBackoff is the delay before restarting a child that died
	// (default 100 ms); it doubles with each restart in the last minute,
	// up to MaxRestartBackoff (default 10 s).
	RestartBackoff    time.Duration
	MaxRestartBackoff time.Duration
	// MaxRestartsPerMinute bounds the restarts of all children in any
	// minute (default 10; negative: no bound). One more and Run stops
	// every child and returns ErrTooManyRestarts.
	MaxRestartsPerMinute int
	// ShutdownTimeout is how long Run waits for the children after
	// sending them SIGTERM before it kills them (default 30 s).
	ShutdownTimeout time.Duration
	// Logger receives the children's starts, exits and restarts (nil:
	// none).
	Logger *slog.Logger
}

// Child reports whether this process is a child started by Run, and its
// index (0 to Procs-1; a restarted child keeps the index of the one it
// replaces).
func Child() (index int, ok bool) {
	v, ok := os.LookupEnv(envChild)
	if !ok {
		return -1, false
	}
	i, err := strconv.Atoi(v)
	if err != nil || i < 0 {
		return -1, false
	}
	return i, true
}

// Ready tells the parent that this child serves (its listeners are open).
// Call it once; outside a child, and after the first call, it does
// nothing.
func Ready() error {
	v := os.Getenv(envReadyFD)
	if v == "" {
		return nil
	}
	_ = os.Unsetenv(envReadyFD)
	fd, err := strconv.Atoi(v)
	if err != nil || fd < 3 {
		return errors.New("prefork: bad " + envReadyFD)
	}
	f := os.NewFile(uintptr(fd), "prefork-ready")
	if f == nil {
		return errors.New("prefork: bad " + envReadyFD)
	}
	_, err = f.Write([]byte{'R'})
	return errors.Join(err, f.Close())
}
