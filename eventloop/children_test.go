//go:build linux

package eventloop

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// child runs a helper in a re-executed test binary; it returns the child's stdin and stdout.
func child(t *testing.T, name string, args ...string) (*exec.Cmd, io.WriteCloser, *bufio.Reader) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+name, "EVENTLOOP_CHILD_ARGS="+strings.Join(args, ","))
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		in.Close()
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	return cmd, in, bufio.NewReader(out)
}

func readLine(t *testing.T, r *bufio.Reader) string {
	t.Helper()
	s, err := r.ReadString('\n')
	if err != nil {
		t.Fatalf("child: %v", err)
	}
	return strings.TrimSpace(s)
}

// Test10kConns holds 10,000 connections open at once: the server here, the clients (on a loop) in a
// child process, so that neither process comes near the 20,000-fd limit.
func Test10kConns(t *testing.T) {
	n := 10000
	if testing.Short() {
		n = 2000
	}
	var opened atomic.Int64
	l, addr := serve(t, Config{}, &funcs{open: func(c *Conn) { opened.Add(1) }})
	_, in, out := child(t, "dialer", addr, strconv.Itoa(n))
	if s := readLine(t, out); s != "ok "+strconv.Itoa(n) {
		t.Fatalf("child: %s", s)
	}
	if got := l.Stats().Conns; got != int64(n) {
		t.Fatalf("server holds %d connections, want %d", got, n)
	}
	in.Close()
	waitFor(t, "the connections to close", func() bool { return l.Stats().Conns == 0 })
	if opened.Load() != int64(n) {
		t.Fatalf("%d OnOpen", opened.Load())
	}
}

// TestFdExhaustion: a server with RLIMIT_NOFILE=64 (in a child process) meets 100 connections. Accept
// fails with EMFILE; the listener pauses instead of spinning, and resumes once fds are free again.
func TestFdExhaustion(t *testing.T) {
	_, in, out := child(t, "lowfd")
	addr := readLine(t, out)
	var cs []net.Conn
	for i := 0; i < 100; i++ {
		c := dialStd(t, addr)
		cs = append(cs, c)
	}
	// The child's counters and clocks: every failed retry after the 20 ms
	// backoff counts one more pause. Over 0.2 s of the child's time, a
	// listener that honours the backoff pauses about ten times and uses
	// almost no CPU; a spinning one uses as much CPU as wall time.
	var accepted, pauses int
	var cpu, wall float64
	stats := func() {
		io.WriteString(in, "stats\n")
		fmt.Sscanf(readLine(t, out), "%d %d %f %f", &accepted, &pauses, &cpu, &wall)
	}
	waitFor(t, "the first accept pause", func() bool { stats(); return pauses > 0 })
	pauses0, cpu0, wall0 := pauses, cpu, wall
	waitFor(t, "0.2 s of the child's time", func() bool { stats(); return wall-wall0 >= 0.2 })
	if accepted >= 100 {
		t.Fatalf("accepted %d, %d pauses: expected EMFILE", accepted, pauses)
	}
	if n, most := pauses-pauses0, int((wall-wall0)/0.02)+2; n > most {
		t.Fatalf("%d accept pauses in %.2f s, at most %d with a 20 ms backoff", n, wall-wall0, most)
	}
	if c, w := cpu-cpu0, wall-wall0; c > w/2 {
		t.Fatalf("child used %.2f s CPU in %.2f s: accept spins", c, w)
	}
	for _, c := range cs[:60] {
		c.Close()
	}
	last := cs[99]
	last.SetDeadline(time.Now().Add(10 * time.Second))
	last.Write([]byte("late"))
	b := make([]byte, 4)
	if _, err := io.ReadFull(last, b); err != nil || string(b) != "late" {
		t.Fatalf("late connection: %q %v", b, err)
	}
}

var children = map[string]func() int{
	"dialer": childDialer,
	"lowfd":  childLowFd,
}

func childArgs() []string { return strings.Split(os.Getenv("EVENTLOOP_CHILD_ARGS"), ",") }

// childDialer opens n connections to addr from 127.0.0.2..., checks an echo on each, prints
// "ok n" and keeps them until stdin closes.
func childDialer() int {
	args := childArgs()
	addr := args[0]
	n, _ := strconv.Atoi(args[1])
	var echoed sync.WaitGroup
	h := &funcs{
		open: func(c *Conn) { c.Write([]byte("ping")) },
		data: func(c *Conn, in []byte) int {
			if len(in) < 4 {
				return 0
			}
			echoed.Done()
			return len(in)
		},
	}
	l, err := New(Config{IdleTimeout: -1}, h)
	if err != nil {
		fmt.Println(err)
		return 1
	}
	go l.Run()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	echoed.Add(n)
	var wg sync.WaitGroup
	var failed atomic.Value
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += 16 {
				local := fmt.Sprintf("127.0.0.%d:0", 2+i%200)
				if _, err := l.DialWith(ctx, "tcp", addr, DialOptions{LocalAddr: local}); err != nil {
					failed.Store(err.Error())
					echoed.Done()
				}
			}
		}()
	}
	wg.Wait()
	echoed.Wait()
	if f := failed.Load(); f != nil {
		fmt.Println("dial:", f)
	} else {
		fmt.Println("ok", l.Stats().Conns)
	}
	io.Copy(io.Discard, os.Stdin)
	l.Shutdown(context.Background())
	return 0
}

// childLowFd serves echo with RLIMIT_NOFILE=64 and answers "stats" with accepted, pauses, CPU seconds
// and wall seconds since it started listening.
func childLowFd() int {
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &syscall.Rlimit{Cur: 64, Max: 64}); err != nil {
		fmt.Println(err)
		return 1
	}
	l, err := New(Config{Loops: 1, AcceptBackoff: 20 * time.Millisecond}, &funcs{})
	if err != nil {
		fmt.Println(err)
		return 1
	}
	a, err := l.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println(err)
		return 1
	}
	go l.Run()
	fmt.Println(a)
	var ru0 syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
	start := time.Now()
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		var ru syscall.Rusage
		syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano() - ru0.Utime.Nano() - ru0.Stime.Nano()).Seconds()
		st := l.Stats()
		fmt.Println(st.Accepted, st.AcceptPauses, cpu, time.Since(start).Seconds())
	}
	l.Shutdown(context.Background())
	return 0
}
