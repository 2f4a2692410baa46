//go:build linux

package eventloop

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"syscall"
	"testing"
	"time"
)

func init() { children["lowfdlongbackoff"] = childLowFdLongBackoff }

// childLowFdLongBackoff serves echo with RLIMIT_NOFILE=64 and an accept back-off of an hour. It
// prints its address, answers "pauses" with Stats().AcceptPauses, and "shutdown" with "shutdown"
// and Shutdown's and Run's errors once both returned.
func childLowFdLongBackoff() int {
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &syscall.Rlimit{Cur: 64, Max: 64}); err != nil {
		fmt.Println(err)
		return 1
	}
	l, err := New(Config{Loops: 1, AcceptBackoff: time.Hour}, &funcs{})
	if err != nil {
		fmt.Println(err)
		return 1
	}
	a, err := l.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println(err)
		return 1
	}
	run := make(chan error, 1)
	go func() { run <- l.Run() }()
	fmt.Println(a)
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		switch sc.Text() {
		case "pauses":
			fmt.Println(l.Stats().AcceptPauses)
		case "shutdown":
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			err := l.Shutdown(ctx)
			cancel()
			fmt.Println("shutdown", err, <-run)
			return 0
		}
	}
	l.Shutdown(context.Background())
	return 0
}

// TestReviewShutdownDuringAcceptBackoff: a listener out of fds pauses for Config.AcceptBackoff,
// and Shutdown does not wait for the pause to end (the goroutine fallback slept it out, an hour
// here, also past Shutdown's context).
func TestReviewShutdownDuringAcceptBackoff(t *testing.T) {
	_, in, out := child(t, "lowfdlongbackoff")
	addr := readLine(t, out)
	for i := 0; i < 100; i++ {
		dialStd(t, addr)
	}
	waitFor(t, "the accept pause", func() bool {
		io.WriteString(in, "pauses\n")
		var n int
		fmt.Sscanf(readLine(t, out), "%d", &n)
		return n > 0
	})
	io.WriteString(in, "shutdown\n")
	line := make(chan string, 1)
	go func() {
		s, _ := out.ReadString('\n')
		line <- s
	}()
	select {
	case s := <-line:
		if s != "shutdown <nil> <nil>\n" {
			t.Fatalf("child: %q", s)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Shutdown still waits 20 s later: it sleeps out the accept back-off")
	}
}
