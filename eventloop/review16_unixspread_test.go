//go:build linux && !eventloop_goroutines

package eventloop

import (
	"net"
	"testing"
	"time"
)

// TestUnixListenerSpreadsConns: a unix-socket listener hands its connections to every loop, as a
// TCP listener's SO_REUSEPORT sockets do. On Linux it put every one on loop 0, whatever Loops.
func TestUnixListenerSpreadsConns(t *testing.T) {
	const loops, conns = 2, 4
	opened := make(chan *loop, conns)
	l, _ := serve(t, Config{Loops: loops}, &funcs{open: func(c *Conn) { opened <- c.lp }})
	path := t.TempDir() + "/srv"
	if _, err := l.Listen("unix", path); err != nil {
		t.Fatal(err)
	}
	per := map[*loop]int{}
	for i := 0; i < conns; i++ {
		nc, err := net.DialTimeout("unix", path, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		per[<-opened]++
	}
	for i, lp := range l.loops {
		if per[lp] == 0 {
			t.Errorf("loop %d got none of %d unix connections (per loop: %v)", i, conns, per)
		}
		if n := lp.stats.conns.Load(); n != int64(per[lp]) {
			t.Errorf("loop %d counts %d open connections, opened %d", i, n, per[lp])
		}
	}
}
