package prefork

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"syscall"
	"time"
)

// outputWaitDelay bounds how long a child's exit waits for the end of its
// output (exec.Cmd.WaitDelay).
const outputWaitDelay = time.Second

// Run starts the children and supervises them until ctx is done, then
// shuts them down (SIGTERM, then SIGKILL after Options.ShutdownTimeout).
// It returns nil when every child exited with status 0 after ctx was
// done; an error when a child could not start, when children died too
// often (ErrTooManyRestarts), or when a child's last exit was not clean.
func Run(ctx context.Context, o Options) error {
	o = o.withDefaults()
	if o.Procs <= 0 {
		o.Procs = runtime.NumCPU()
	}
	if o.Path == "" {
		p, err := os.Executable()
		if err != nil {
			return fmt.Errorf("prefork: %w", err)
		}
		o.Path = p
	}
	if o.Args == nil {
		o.Args = os.Args[1:]
	}
	s := &supervisor{o: o, kids: make([]*kid, o.Procs), events: make(chan event, 2*o.Procs), restart: make(chan int, o.Procs)}
	return s.run(ctx)
}

// kid is one running child: it stays in supervisor.kids (and counts in
// live) until its waiting goroutine reports its exit.
type kid struct {
	cmd   *exec.Cmd
	ready bool
}

// event is a child's readiness or exit, sent by its waiting goroutine.
type event struct {
	i     int
	cmd   *exec.Cmd
	ready bool  // else it exited
	err   error // its exit (nil: status 0)
}

type supervisor struct {
	o        Options
	kids     []*kid // nil: not running
	live     int
	events   chan event    // at most two per child: ready and exit
	restart  chan int      // indexes whose back-off is over (at most one pending each)
	timers   []*time.Timer // by index: the last restart's (at most one pending each)
	restarts []time.Time   // within the last minute
	pending  int           // restarts scheduled and not yet done
	stopping bool
	failure  error // why Run stops on its own
	exitErrs []error
	readyFn  bool // Options.Ready was called
}

func (s *supervisor) run(ctx context.Context) error {
	defer func() {
		for _, t := range s.timers {
			if t != nil {
				t.Stop()
			}
		}
	}()
	for i := range s.kids {
		if err := s.start(i); err != nil {
			s.failure = err
			break
		}
	}
	var kill <-chan time.Time
	stop := func() {
		if s.stopping {
			return
		}
		s.stopping = true
		for _, k := range s.kids {
			if k != nil {
				_ = k.cmd.Process.Signal(syscall.SIGTERM)
			}
		}
		kill = time.After(s.o.ShutdownTimeout)
	}
	if s.failure != nil {
		stop()
	}
	done := ctx.Done()
	for s.live > 0 || s.pending > 0 && !s.stopping {
		select {
		case <-done:
			done = nil
			s.o.Logger.Info("prefork: stopping the children", "procs", s.live)
			stop()
		case <-kill:
			for _, k := range s.kids {
				if k != nil {
					s.o.Logger.Warn("prefork: child did not stop in time: killing it", "pid", k.cmd.Process.Pid)
					_ = k.cmd.Process.Kill()
				}
			}
		case i := <-s.restart:
			s.pending--
			if s.stopping || s.kids[i] != nil {
				continue
			}
			if err := s.start(i); err != nil {
				s.failure = err
				stop()
			}
		case ev := <-s.events:
			if ev.ready {
				s.readied(ev)
				continue
			}
			s.exited(ev)
			if !s.stopping && s.failure == nil {
				s.scheduleRestart(ev.i, ev.err)
				if s.failure != nil {
					stop()
				}
			}
		}
	}
	if s.failure != nil {
		return s.failure
	}
	return errors.Join(s.exitErrs...)
}

// start runs child i and a goroutine that reports its readiness and exit.
func (s *supervisor) start(i int) error {
	r, w, err := os.Pipe()
	if err != nil {
		return fmt.Errorf("prefork: %w", err)
	}
	cmd := exec.Command(s.o.Path, s.o.Args...)
	cmd.Env = append(append(os.Environ(), s.o.Env...), envChild+"="+strconv.Itoa(i), envReadyFD+"=3")
	cmd.Stdin = nil
	cmd.Stdout, cmd.Stderr = s.o.Stdout, s.o.Stderr
	// With a Stdout or Stderr that is no file, cmd.Wait copies the
	// child's output until its pipe's end, which a process the child
	// started may hold: bounded, so that the exit is seen.
	cmd.WaitDelay = outputWaitDelay
	cmd.ExtraFiles = []*os.File{w} // fd 3
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	err = cmd.Start()
	_ = w.Close()
	if err != nil {
		_ = r.Close()
		return fmt.Errorf("prefork: starting child %d: %w", i, err)
	}
	s.kids[i] = &kid{cmd: cmd}
	s.live++
	s.o.Logger.Info("prefork: child started", "index", i, "pid", cmd.Process.Pid)
	go func() {
		// The pipe gives one byte at Ready, then EOF when the child closes
		// it or exits, unless a process the child started holds it too
		// (the descriptor is inherited until Ready closes it): so cmd.Wait,
		// which reaps the child, ends the reading, and the exit is reported
		// after the readiness, if any.
		read := make(chan struct{})
		go func() {
			defer close(read)
			var b [1]byte
			if n, _ := r.Read(b[:]); n == 1 {
				s.events <- event{i: i, cmd: cmd, ready: true}
				_, _ = io.Copy(io.Discard, r)
			}
		}()
		err := cmd.Wait()
		if errors.Is(err, exec.ErrWaitDelay) {
			err = nil // status 0; its output's pipe outlived it (WaitDelay)
		}
		_ = r.SetReadDeadline(time.Now())
		<-read
		_ = r.Close()
		s.events <- event{i: i, cmd: cmd, err: err}
	}()
	return nil
}

func (s *supervisor) readied(ev event) {
	k := s.kids[ev.i]
	if k == nil || k.cmd != ev.cmd {
		return
	}
	k.ready = true
	s.o.Logger.Info("prefork: child ready", "index", ev.i, "pid", ev.cmd.Process.Pid)
	if s.readyFn || s.o.Ready == nil {
		return
	}
	pids := make([]int, 0, len(s.kids))
	for _, k := range s.kids {
		if k == nil || !k.ready {
			return
		}
		pids = append(pids, k.cmd.Process.Pid)
	}
	s.readyFn = true
	s.o.Ready(pids)
}

func (s *supervisor) exited(ev event) {
	if k := s.kids[ev.i]; k != nil && k.cmd == ev.cmd {
		s.kids[ev.i] = nil
		s.live--
	}
	pid := ev.cmd.Process.Pid
	if ev.err != nil && s.stopping {
		s.exitErrs = append(s.exitErrs, fmt.Errorf("prefork: child %d (pid %d): %w", ev.i, pid, ev.err))
	}
	if s.stopping {
		s.o.Logger.Info("prefork: child stopped", "index", ev.i, "pid", pid, "err", ev.err)
	} else {
		s.o.Logger.Warn("prefork: child exited", "index", ev.i, "pid", pid, "err", ev.err)
	}
}

// scheduleRestart restarts child i after the back-off, or gives up past
// the restart bound.
func (s *supervisor) scheduleRestart(i int, cause error) {
	now := time.Now()
	recent := s.restarts[:0]
	for _, t := range s.restarts {
		if now.Sub(t) < time.Minute {
			recent = append(recent, t)
		}
	}
	s.restarts = recent
	if max := s.o.MaxRestartsPerMinute; max >= 0 && len(s.restarts) >= max {
		if cause == nil {
			cause = errors.New("exit status 0")
		}
		s.failure = fmt.Errorf("%w: %d in the last minute, the last child %d: %v", ErrTooManyRestarts, len(s.restarts), i, cause)
		return
	}
	delay := s.o.RestartBackoff << min(len(s.restarts), 20)
	if delay > s.o.MaxRestartBackoff || delay <= 0 {
		delay = s.o.MaxRestartBackoff
	}
	s.restarts = append(s.restarts, now)
	s.pending++
	s.o.Logger.Info("prefork: restarting child", "index", i, "in", delay)
	if s.timers == nil {
		s.timers = make([]*time.Timer, len(s.kids))
	}
	s.timers[i] = time.AfterFunc(delay, func() { s.restart <- i })
}

func (o Options) withDefaults() Options {
	if o.RestartBackoff <= 0 {
		o.RestartBackoff = DefaultRestartBackoff
	}
	if o.MaxRestartBackoff <= 0 {
		o.MaxRestartBackoff = DefaultMaxRestartBackoff
	}
	if o.MaxRestartsPerMinute == 0 {
		o.MaxRestartsPerMinute = DefaultMaxRestartsPerMinute
	}
	if o.ShutdownTimeout <= 0 {
		o.ShutdownTimeout = DefaultShutdownTimeout
	}
	if o.Stdout == nil {
		o.Stdout = os.Stdout
	}
	if o.Stderr == nil {
		o.Stderr = os.Stderr
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}
