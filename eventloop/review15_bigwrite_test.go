//go:build linux

package eventloop

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"time"
)

// TestSlowReaderCloseAdmitsOneBigWrite: with SlowReaderClose, a write that finds the queue empty
// is accepted whatever its size, on every backend and by Write, Writev and Send alike: the policy
// judges the peer (does it read what was sent before?), not the size of one write. The epoll loop
// closed the connection with ErrSlowReader as soon as the kernel refused more than the high
// watermark of it, although the peer read everything; the goroutine fallback accepted it.
func TestSlowReaderCloseAdmitsOneBigWrite(t *testing.T) {
	const high, size = 64 << 10, 4 << 20
	msg := pattern(0, size)
	for _, how := range []string{"Write", "Writev", "Send"} {
		t.Run(how, func(t *testing.T) {
			wrote := make(chan error, 1)
			closed := make(chan error, 1)
			h := &funcs{
				open: func(c *Conn) {
					var err error
					switch how {
					case "Write":
						_, err = c.Write(msg)
					case "Writev":
						_, err = c.Writev(msg[:10], msg[10:])
					case "Send":
						err = c.Send(msg)
					}
					wrote <- err
				},
				close: func(c *Conn, err error) { closed <- err },
			}
			_, addr := serve(t, Config{Loops: 1, WriteHighWatermark: high, SlowReader: SlowReaderClose}, h)
			cl := dialStd(t, addr)
			if err := <-wrote; err != nil {
				t.Fatalf("%s of %d bytes to an empty queue: %v", how, size, err)
			}
			cl.SetDeadline(time.Now().Add(20 * time.Second))
			got := make([]byte, size)
			if _, err := io.ReadFull(cl, got); err != nil {
				select {
				case cerr := <-closed:
					t.Fatalf("peer read %s's data: %v; the server closed with %v", how, err, cerr)
				default:
					t.Fatalf("peer read %s's data: %v", how, err)
				}
			}
			if !bytes.Equal(got, msg) {
				t.Fatal("data corrupted")
			}
			select {
			case err := <-closed:
				t.Fatalf("closed with %v although the peer read everything", err)
			default:
			}
		})
	}
}

// TestSlowReaderCloseJudgesTheNextWrite: the big write admitted, a write that joins it while it
// is still queued and takes the queue past the high watermark closes the connection, on every
// backend (the rule above does not let a peer that reads nothing off).
func TestSlowReaderCloseJudgesTheNextWrite(t *testing.T) {
	const high, size = 64 << 10, 16 << 20
	res := make(chan error, 1)
	closed := make(chan error, 1)
	h := &funcs{
		open: func(c *Conn) {
			if _, err := c.Write(make([]byte, size)); err != nil {
				res <- err
				return
			}
			if c.Queued() == 0 {
				res <- errors.New("the kernel took all of it: nothing to judge")
				return
			}
			_, err := c.Write([]byte("x"))
			res <- err
		},
		close: func(c *Conn, err error) { closed <- err },
	}
	_, addr := serve(t, Config{Loops: 1, WriteHighWatermark: high, SlowReader: SlowReaderClose}, h)
	dialStd(t, addr)
	if err := <-res; !errors.Is(err, ErrSlowReader) {
		t.Fatalf("second write: %v, want ErrSlowReader", err)
	}
	if err := <-closed; !errors.Is(err, ErrSlowReader) {
		t.Fatalf("OnClose: %v, want ErrSlowReader", err)
	}
}
