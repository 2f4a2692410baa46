//go:build unix

package rawio

import (
	"syscall"
	"testing"
)

// The benchmarks compare the raw path with the ordinary one: run them once
// as they are and once with AUTOBAHN_RAWIO=off.

// BenchmarkRoundTrip sends size bytes each way over loopback TCP from one
// goroutine: Write on one end, Read on the other, and back (the data is
// there before each Read, so nothing waits: four system calls per op).
func BenchmarkRoundTrip(b *testing.B) {
	for _, size := range []int{64, 4096} {
		b.Run(sizeName(size), func(b *testing.B) {
			x, y := pair(b, "tcp")
			rx, ry := RawConn(x), RawConn(y)
			msg, buf := make([]byte, size), make([]byte, size)
			b.SetBytes(int64(2 * size))
			for b.Loop() {
				for _, p := range [][2]syscall.RawConn{{rx, ry}, {ry, rx}} {
					if _, err := Write(p[0], msg); err != nil {
						b.Fatal(err)
					}
					for got := 0; got < size; {
						n, err := Read(p[1], buf[got:])
						if err != nil {
							b.Fatal(err)
						}
						got += n
					}
				}
			}
		})
	}
}

// BenchmarkEcho is a round trip to a goroutine that echoes: both ends wait
// in the poller between messages.
func BenchmarkEcho(b *testing.B) {
	for _, size := range []int{64, 4096} {
		b.Run(sizeName(size), func(b *testing.B) {
			x, y := pair(b, "tcp")
			rx, ry := RawConn(x), RawConn(y)
			done := make(chan struct{})
			go func() {
				defer close(done)
				buf := make([]byte, size)
				for {
					n, err := Read(ry, buf)
					if err != nil {
						return
					}
					if _, err := Write(ry, buf[:n]); err != nil {
						return
					}
				}
			}()
			msg, buf := make([]byte, size), make([]byte, size)
			b.SetBytes(int64(size))
			for b.Loop() {
				if _, err := Write(rx, msg); err != nil {
					b.Fatal(err)
				}
				for got := 0; got < size; {
					n, err := Read(rx, buf[got:])
					if err != nil {
						b.Fatal(err)
					}
					got += n
				}
			}
			x.Close()
			<-done
		})
	}
}

// BenchmarkSysreadEmpty is one read of a socket with nothing to read
// (EAGAIN): the cost of the call itself.
func BenchmarkSysreadEmpty(b *testing.B) {
	x, _ := pair(b, "tcp")
	var fd int
	RawConn(x).Control(func(s uintptr) { fd = int(s) })
	buf := make([]byte, 64)
	for b.Loop() {
		if _, err := Sysread(fd, buf); err != syscall.EAGAIN {
			b.Fatal(err)
		}
	}
}

func sizeName(n int) string {
	if n >= 1024 {
		return string(rune('0'+n/1024)) + "KiB"
	}
	return "64B"
}
