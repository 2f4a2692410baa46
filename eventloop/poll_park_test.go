//go:build linux && !eventloop_goroutines

package eventloop

import (
	"testing"
	"time"
)

// parkConfigs are the ways an idle loop waits: parked on the runtime's netpoller without a timer
// (no deadline) and with one (a read deadline each time), and blocked in epoll_wait (LockOSThread).
var parkConfigs = []struct {
	name   string
	cfg    Config
	parked bool
}{
	{"parked", Config{}, true},
	{"parked-timer", Config{IdleTimeout: time.Minute, TimerResolution: 10 * time.Millisecond}, true},
	{"locked", Config{LockOSThread: true}, false},
}

// TestWakeWhileIdle: every Wake from another goroutine reaches OnWritable while the loop is idle,
// waking it from its park (or from epoll_wait) each time; a lost wake-up stalls an iteration.
func TestWakeWhileIdle(t *testing.T) {
	for _, pc := range parkConfigs {
		t.Run(pc.name, func(t *testing.T) {
			opened := make(chan *Conn, 1)
			woken := make(chan uint64, 1) // the loop's poll count when it called OnWritable
			var l *Loop
			l, addr := serve(t, pc.cfg, &funcs{
				open:     func(c *Conn) { opened <- c },
				writable: func(*Conn) { woken <- l.Stats().Polls },
			})
			dialStd(t, addr)
			sc := <-opened
			if got := sc.lp.p.raw != nil; got != pc.parked { // read after OnOpen: park ran before
				t.Fatalf("parks on the netpoller: %v, want %v", got, pc.parked)
			}
			var polls uint64
			for i := 0; i < 1000; i++ {
				if i%2 == 1 {
					// Let the loop finish the turn that called OnWritable and look once more, finding
					// nothing (polls counts it), so it is about to park or parked when Wake comes; even
					// iterations wake it at once.
					waitFor(t, "the loop to poll", func() bool { return l.Stats().Polls > polls })
				}
				if err := sc.Wake(); err != nil {
					t.Fatal(err)
				}
				select {
				case polls = <-woken:
				case <-time.After(5 * time.Second):
					t.Fatalf("wake %d lost", i)
				}
			}
		})
	}
}

// TestTimerWhileIdle: deadlines set on an idle loop fire while it waits, whether it waited without
// a timer before (the first deadline, set from OnWritable) or with one (those set after it).
func TestTimerWhileIdle(t *testing.T) {
	for _, pc := range parkConfigs {
		t.Run(pc.name, func(t *testing.T) {
			cfg := pc.cfg
			cfg.TimerResolution = 5 * time.Millisecond
			opened := make(chan *Conn, 4)
			closed := make(chan error, 4)
			_, addr := serve(t, cfg, &funcs{
				open:     func(c *Conn) { opened <- c },
				writable: func(c *Conn) { c.SetDeadline(time.Now().Add(30 * time.Millisecond)) },
				close:    func(_ *Conn, err error) { closed <- err },
			})
			for i := 0; i < 4; i++ {
				dialStd(t, addr)
				sc := <-opened
				// The loop is idle: the Wake's OnWritable sets the deadline, then nothing happens
				// until it fires.
				if err := sc.Wake(); err != nil {
					t.Fatal(err)
				}
				select {
				case err := <-closed:
					if err != ErrTimeout {
						t.Fatalf("conn %d closed with %v, want ErrTimeout", i, err)
					}
				case <-time.After(5 * time.Second):
					t.Fatalf("conn %d: the deadline did not fire", i)
				}
			}
		})
	}
}
