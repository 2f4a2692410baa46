package rawsocket

import (
	"bufio"
	"errors"
	"io"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/autobahn-go/autobahn/internal/rawio"
)

// readBufSize is the size of Recv's read buffer.
const readBufSize = 16 << 10

// reader is what Recv reads frames from: a rawReader on plain TCP and Unix
// connections, a bufio.Reader of readBufSize on others (TLS).
type reader interface {
	io.Reader
	Buffered() int
}

// readBufs pools the read buffers of rawReaders: an idle connection holds
// none.
var readBufs = sync.Pool{New: func() any { b := make([]byte, readBufSize); return &b }}

// rawReader buffers reads of a plain TCP or Unix connection that go around
// net.Conn (package rawio), holding a pooled buffer only while input is
// buffered: it takes one once the socket is readable, inside the poller's
// wait, and gives it back when Recv has consumed what it holds, so an idle
// connection, waiting in Read or await, holds no buffer.
type rawReader struct {
	rc      syscall.RawConn
	buf     *[]byte // pooled; nil while nothing is buffered
	r, w    int     // (*buf)[r:w] is buffered
	pending error   // the error a wait found (await), for the next Read
	fn      func(fd uintptr) bool
	err     error // fill's read(2) error
}

func newRawReader(rc syscall.RawConn) *rawReader {
	r := &rawReader{rc: rc}
	r.fn = r.step // made once: a read allocates nothing
	return r
}

// Buffered returns how many octets are buffered.
func (r *rawReader) Buffered() int { return r.w - r.r }

// Read reads from the buffer, filling it when it is empty; a read of at
// least a buffer's size into an empty buffer goes straight into p.
func (r *rawReader) Read(p []byte) (int, error) {
	if r.r == r.w {
		if err := r.pending; err != nil {
			r.pending = nil
			return 0, err
		}
		if len(p) >= readBufSize {
			return rawio.Read(r.rc, p)
		}
		if err := r.fill(); err != nil {
			return 0, err
		}
	}
	n := copy(p, (*r.buf)[r.r:r.w])
	r.r += n
	if r.r == r.w {
		r.release()
	}
	return n, nil
}

// fill waits for input and reads it into a pooled buffer, all earlier
// input having been consumed.
func (r *rawReader) fill() error { return r.fillWith(r.fn) }

// fillWith is fill with the function rc.Read calls (step, or readNow's).
func (r *rawReader) fillWith(fn func(fd uintptr) bool) error {
	r.r, r.w, r.err = 0, 0, nil
	err := r.rc.Read(fn)
	serr := r.err
	r.err = nil
	switch {
	case err != nil:
		return err
	case serr != nil:
		return os.NewSyscallError("read", serr)
	case r.w == 0:
		return io.EOF
	}
	return nil
}

// step is one attempt of fill inside the poller's wait; false means wait
// for input.
func (r *rawReader) step(fd uintptr) bool {
	if r.buf == nil {
		r.buf = readBufs.Get().(*[]byte)
	}
	var n int
	for {
		n, r.err = rawio.Sysread(int(fd), *r.buf)
		if r.err != syscall.EINTR {
			break
		}
	}
	if r.err == syscall.EAGAIN {
		r.err = nil
		r.release()
		return false
	}
	if n > 0 {
		r.w = n
	} else {
		r.release() // the end of the stream, or an error
	}
	return true
}

func (r *rawReader) release() {
	if r.buf != nil {
		readBufs.Put(r.buf)
		r.buf = nil
	}
	r.r, r.w = 0, 0
}

// readNow reads the input that is there into the buffer, without waiting
// for any, all earlier input having been consumed: false if there was none
// (a stray wake-up of the poller). A read error, or the end of the stream,
// is kept for the next Read, and readNow reports true.
func (r *rawReader) readNow() bool {
	if r.r < r.w || r.pending != nil {
		return true
	}
	none := false // a function of its own: an idle connection keeps no flag for it
	err := r.fillWith(func(fd uintptr) bool {
		none = !r.step(fd)
		return true
	})
	if none {
		return false
	}
	r.pending = err
	return true
}

// await waits for input without consuming any: see Conn.AwaitInput. nc is
// the connection whose read deadline bounds the wait.
func (r *rawReader) await(nc deadliner, d time.Duration) bool {
	if r.r < r.w || r.pending != nil {
		return true
	}
	if d > 0 {
		_ = nc.SetReadDeadline(time.Now().Add(d))
	}
	err := r.fill()
	if d > 0 {
		_ = nc.SetReadDeadline(time.Time{})
	}
	if d > 0 && errors.Is(err, os.ErrDeadlineExceeded) {
		return false
	}
	r.pending = err
	return true
}

type deadliner interface{ SetReadDeadline(time.Time) error }

// The reader of connections without raw reads.
var _ reader = (*bufio.Reader)(nil)
