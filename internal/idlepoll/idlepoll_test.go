//go:build linux

package idlepoll

import (
	"os"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// pair returns the two ends of a connected Unix stream socket pair, as
// files in the runtime's poller; both close at the end of the test.
func pair(t *testing.T) (local, peer *os.File) {
	t.Helper()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	local, peer = os.NewFile(uintptr(fds[0]), "local"), os.NewFile(uintptr(fds[1]), "peer")
	t.Cleanup(func() { local.Close(); peer.Close() })
	return local, peer
}

func rawConn(t *testing.T, f *os.File) syscall.RawConn {
	t.Helper()
	rc, err := f.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	return rc
}

// fdOf returns f's descriptor without (*os.File).Fd, which would make it
// blocking.
func fdOf(t *testing.T, f *os.File) int {
	t.Helper()
	var n int
	if err := rawConn(t, f).Control(func(fd uintptr) { n = int(fd) }); err != nil {
		t.Fatal(err)
	}
	return n
}

// add registers rc and f, failing the test if Add refuses; a registration
// a failing test leaves behind is cancelled at its end.
func add(t *testing.T, rc syscall.RawConn, f func()) Key {
	t.Helper()
	key, ok := Add(rc, f)
	if !ok {
		t.Fatal("Add refused a socket")
	}
	t.Cleanup(func() { Cancel(key) })
	return key
}

// waitFor polls cond until it holds, or fails after 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// loopRuns reports whether the poller's goroutine exists.
func loopRuns() bool {
	buf := make([]byte, 1<<20)
	return strings.Contains(string(buf[:runtime.Stack(buf, true)]), "idlepoll.(*poller).loop")
}

func strays() uint64 {
	thePoller.mu.Lock()
	defer thePoller.mu.Unlock()
	return thePoller.stray
}

// expectNone fails if something arrives on ch within a short while (a
// negative check: what must not happen has had its chance).
func expectNone(t *testing.T, ch <-chan int, what string) {
	t.Helper()
	select {
	case i := <-ch:
		t.Fatalf("%s: %d ran", what, i)
	case <-time.After(20 * time.Millisecond):
	}
}

// Many sockets wait with one goroutine between them, the poller's; each
// function runs once, when its socket's input comes, and when none waits
// the poller's goroutine ends.
func TestManyWaiters(t *testing.T) {
	waitFor(t, "no poller goroutine", func() bool { return !loopRuns() })
	const n = 200
	locals, peers := make([]*os.File, n), make([]*os.File, n)
	for i := range n {
		locals[i], peers[i] = pair(t)
	}
	base := runtime.NumGoroutine()
	woke := make(chan int, 2*n)
	for i := range n {
		add(t, rawConn(t, locals[i]), func() { woke <- i })
	}
	if g := runtime.NumGoroutine(); g > base+1 {
		t.Fatalf("%d sockets waiting: %d goroutines, %d before", n, g, base)
	}
	if w := Waiters(); w != n {
		t.Fatalf("Waiters %d, want %d", w, n)
	}
	expectNone(t, woke, "nothing sent")
	for i := range n {
		if _, err := peers[i].Write([]byte("x")); err != nil {
			t.Fatal(err)
		}
		if got := <-woke; got != i {
			t.Fatalf("woke %d, want %d", got, i)
		}
	}
	expectNone(t, woke, "all woken once")
	if w := Waiters(); w != 0 {
		t.Fatalf("Waiters %d after all woke", w)
	}
	waitFor(t, "the poller goroutine to end", func() bool { return !loopRuns() })
	// A new waiter starts it again.
	if _, err := locals[0].Read(make([]byte, 1)); err != nil {
		t.Fatal(err)
	}
	add(t, rawConn(t, locals[0]), func() { woke <- 0 })
	waitFor(t, "the poller goroutine to start again", loopRuns)
	peers[0].Write([]byte("y"))
	<-woke
	waitFor(t, "the poller goroutine to end", func() bool { return !loopRuns() })
}

// A hang-up of the peer wakes the waiter.
func TestPeerClose(t *testing.T) {
	local, peer := pair(t)
	woke := make(chan int, 2)
	add(t, rawConn(t, local), func() { woke <- 1 })
	peer.Close()
	<-woke
	expectNone(t, woke, "woken once")
}

// Cancel before close wakes the waiter exactly once: Cancel reports it,
// a second Cancel and the close do nothing more.
func TestCancelBeforeClose(t *testing.T) {
	local, peer := pair(t)
	woke := make(chan int, 2)
	key := add(t, rawConn(t, local), func() { woke <- 1 })
	if !Cancel(key) {
		t.Fatal("Cancel of a waiting key reported nothing")
	}
	local.Close()
	peer.Write([]byte("x"))
	peer.Close()
	<-woke
	if Cancel(key) {
		t.Fatal("a second Cancel reported a waiter")
	}
	if Cancel(0) {
		t.Fatal("Cancel(0) reported a waiter")
	}
	expectNone(t, woke, "woken once")
	if w := Waiters(); w != 0 {
		t.Fatalf("Waiters %d", w)
	}
}

// A closed socket is refused.
func TestAddClosed(t *testing.T) {
	local, _ := pair(t)
	rc := rawConn(t, local)
	local.Close()
	if _, ok := Add(rc, func() { t.Error("f ran") }); ok {
		t.Fatal("Add accepted a closed socket")
	}
}

// Input and Cancel racing: each function runs exactly once.
func TestCancelRace(t *testing.T) {
	const n = 100
	woke := make(chan int, 2*n)
	for i := range n {
		local, peer := pair(t)
		key := add(t, rawConn(t, local), func() { woke <- i })
		go peer.Write([]byte("x"))
		go Cancel(key)
	}
	seen := make([]bool, n)
	for range n {
		i := <-woke
		if seen[i] {
			t.Fatalf("%d ran twice", i)
		}
		seen[i] = true
	}
	expectNone(t, woke, "all ran once")
	waitFor(t, "no waiters", func() bool { return Waiters() == 0 })
}

// A late event of a socket whose descriptor was closed (another
// descriptor keeping the socket open, so its registration stays in the
// epoll set) and whose number now belongs to another waiting socket wakes
// no one: keys are never reused, where a poller keyed by descriptor would
// wake the new socket's waiter.
func TestKeyReuse(t *testing.T) {
	a, aPeer := pair(t)
	num := fdOf(t, a)
	woke := make(chan int, 4)
	k1 := add(t, rawConn(t, a), func() { woke <- 1 })
	keep, err := unix.Dup(num) // socket a stays open, its epitem in the set
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(keep)
	a.Close() // without Cancel first: the registration stays in the set
	if !Cancel(k1) {
		t.Fatal("Cancel reported no waiter")
	}
	if <-woke != 1 {
		t.Fatal("wrong waiter")
	}
	// Socket b under a's old number (the lowest free one, most likely).
	bAt, bPeer := pair(t)
	if bn := fdOf(t, bAt); bn != num {
		if err := unix.Dup3(bn, num, unix.O_CLOEXEC); err != nil {
			t.Fatal(err)
		}
		bAt.Close()
		bAt = os.NewFile(uintptr(num), "b")
		defer bAt.Close()
	}
	k2 := add(t, rawConn(t, bAt), func() { woke <- 2 })
	if k2 == k1 {
		t.Fatal("a key was reused")
	}
	s0 := strays()
	if _, err := aPeer.Write([]byte("late")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the late event", func() bool { return strays() > s0 })
	select {
	case i := <-woke:
		t.Fatalf("the late event of the closed socket woke %d", i)
	default:
	}
	if w := Waiters(); w != 1 {
		t.Fatalf("Waiters %d, want 1", w)
	}
	if _, err := bPeer.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	if i := <-woke; i != 2 {
		t.Fatalf("woke %d", i)
	}
	waitFor(t, "the poller goroutine to end", func() bool { return !loopRuns() })
}
