package loadgen

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
	"testing"
	"time"
)

// review14bRoleEnv makes TestReview14bHelperPrefork a process of
// TestReview14bPreforkServerCPU: "parent" (a prefork server's supervisor,
// idle, with one worker) or "worker" (busy on the CPU).
const review14bRoleEnv = "LOADGEN_REVIEW14B_PREFORK_ROLE"

// review14bSpins counts the worker's turns.
var review14bSpins uint64

func TestReview14bHelperPrefork(t *testing.T) {
	switch os.Getenv(review14bRoleEnv) {
	case "worker":
		os.Stdout.WriteString("spinning\n")
		for { // busy until killed
			review14bSpins++
		}
	case "parent":
		ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
		defer stop()
		w := exec.Command(os.Args[0], "-test.run=^TestReview14bHelperPrefork$")
		w.Env = append(os.Environ(), review14bRoleEnv+"=worker")
		w.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} // never outlives the test
		out, err := w.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Start(); err != nil {
			t.Fatal(err)
		}
		if _, err := bufio.NewReader(out).ReadString('\n'); err != nil {
			t.Fatal(err)
		}
		os.Stdout.WriteString("ready\n")
		<-ctx.Done()
		_ = w.Process.Kill()
		_ = w.Wait()
		os.Exit(0)
	default:
		t.Skip("a process of TestReview14bPreforkServerCPU")
	}
}

// With PID a prefork server's supervisor, the server's CPU is its
// workers' too: the supervisor alone idles, and msg per server-CPU-second
// would be orders of magnitude too high.
func TestReview14bPreforkServerCPU(t *testing.T) {
	url, _ := loopEcho(t, nil)
	p := exec.Command(os.Args[0], "-test.run=^TestReview14bHelperPrefork$")
	p.Env = append(os.Environ(), review14bRoleEnv+"=parent")
	p.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	out, err := p.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = p.Process.Signal(syscall.SIGTERM)
		_ = p.Wait()
	}()
	if line, err := bufio.NewReader(out).ReadString('\n'); err != nil || line != "ready\n" {
		t.Fatalf("supervisor: %q, %v", line, err)
	}
	r := &Run{Dial: Dial{URL: url, Conns: 2}, PID: p.Process.Pid,
		Warmup: 20 * time.Millisecond, Duration: 300 * time.Millisecond}
	res, err := r.Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if res.Server == nil {
		t.Fatal("no server use reported")
	}
	// The worker spins on a core: even on a busy machine it gets far more
	// than 5 % of one, the idle supervisor far less.
	if res.Server.CPUPercent < 5 {
		t.Fatalf("server CPU %.1f %% of a core (%.3f s), but its worker spun the whole time", res.Server.CPUPercent, res.Server.CPUSeconds)
	}
}
