package eventloop

import (
	"errors"
	"log/slog"
	"runtime"
	"time"
)

// Errors returned by the loop and handed to Handler.OnClose.
var (
	// ErrClosed: the loop or the connection is closed (or closing).
	ErrClosed = errors.New("eventloop: closed")
	// ErrShutdown: the connection was closed because the loop shuts down.
	ErrShutdown = errors.New("eventloop: shutdown")
	// ErrRunning: Run was called on a loop that already runs or ran.
	ErrRunning = errors.New("eventloop: already running")
	// ErrQueueFull: the write queue is above its limit; the data was not queued.
	ErrQueueFull = errors.New("eventloop: write queue full")
	// ErrSlowReader: the peer read too slowly (SlowReaderClose policy).
	ErrSlowReader = errors.New("eventloop: peer reads too slowly")
	// ErrTimeout: the deadline or the idle timeout of the connection passed.
	ErrTimeout = errors.New("eventloop: timeout")
	// ErrInputTooLarge: more than Config.MaxPendingInput bytes were left unconsumed by OnData.
	ErrInputTooLarge = errors.New("eventloop: unconsumed input too large")
	// ErrNetwork: the network is not one of "tcp", "tcp4", "tcp6", "unix".
	ErrNetwork = errors.New("eventloop: unsupported network")
)

// SlowReaderPolicy says what a connection does when its write queue passes the high watermark.
//
// The policies judge the peer, not the size of one write: a write (Write, Writev or Send) that finds
// the queue empty is accepted whole whatever its size, since the peer read everything before it,
// and may leave more than the high watermark queued. A write that joins output still queued is
// the one judged: refused or, with SlowReaderClose, closing the connection when it would take the
// queue past the high watermark. Every backend follows this rule.
type SlowReaderPolicy int

const (
	// SlowReaderPause stops reading from the connection until its queue drains below the low watermark,
	// so a request/response peer that does not read stops being served. Writes that would take the queue
	// above twice the high watermark fail with ErrQueueFull. This is the default. A peer that hangs up
	// meanwhile (it resets, closing with our output unread) has what it sent before read and handed to
	// OnData ahead of the close; the goroutine fallback loses it (its write fails first).
	SlowReaderPause SlowReaderPolicy = iota
	// SlowReaderDrop refuses (ErrQueueFull) any write that would take the queue above the high watermark.
	SlowReaderDrop
	// SlowReaderClose closes the connection with ErrSlowReader when a write joins queued output and
	// takes the queue past the high watermark (the write fails with ErrSlowReader).
	SlowReaderClose
)

// Defaults used for zero Config fields.
const (
	DefaultReadBufferSize     = 64 << 10
	DefaultMaxPendingInput    = 4 << 20
	DefaultWriteHighWatermark = 1 << 20
	DefaultIdleTimeout        = 5 * time.Minute
	DefaultCloseTimeout       = 5 * time.Second
	DefaultTimerResolution    = 100 * time.Millisecond
	DefaultAcceptBackoff      = 100 * time.Millisecond
	DefaultBacklog            = 4096
)

// Config configures a Loop. The zero value is usable: every zero field takes its default.
type Config struct {
	// Loops is the number of event loops (each on its own goroutine). Default: runtime.GOMAXPROCS(0).
	Loops int
	// ReadBufferSize is the size of the read buffer shared by all connections of one loop.
	ReadBufferSize int
	// MaxPendingInput bounds the bytes OnData may leave unconsumed per connection (ErrInputTooLarge).
	MaxPendingInput int
	// WriteHighWatermark and WriteLowWatermark bound the per-connection write queue (bytes the kernel
	// refused). Above the high watermark SlowReader applies; below the low one OnWritable is called.
	// A single write to an empty queue is accepted whole (see SlowReaderPolicy).
	// Default high: 1 MiB; default low: high/4.
	WriteHighWatermark int
	WriteLowWatermark  int
	// SlowReader is the policy for peers that read too slowly. Default: SlowReaderPause.
	SlowReader SlowReaderPolicy
	// IdleTimeout closes a connection (ErrTimeout) after this long without input.
	// Default 5 minutes; negative disables it.
	IdleTimeout time.Duration
	// HandshakeTimeout, if positive, is set as the deadline of every new connection; the protocol layer
	// clears it with Conn.SetDeadline(time.Time{}) once its handshake is done. Default: none.
	HandshakeTimeout time.Duration
	// CloseTimeout bounds how long Close waits for queued output to drain. Default 5 s.
	CloseTimeout time.Duration
	// TimerResolution is the tick of the timing wheel. Default 100 ms.
	TimerResolution time.Duration
	// AcceptBackoff is how long a listener pauses after EMFILE/ENFILE. Default 100 ms.
	AcceptBackoff time.Duration
	// Backlog is the listen backlog. Default 4096.
	Backlog int
	// ReusePort sets SO_REUSEPORT on every TCP listening socket, also with one loop, so that
	// other processes (package prefork) can listen on the same port and the kernel spreads
	// connections among them. Linux only in effect; the goroutine fallback ignores it.
	ReusePort bool
	// TCPDelay keeps Nagle's algorithm on; by default TCP_NODELAY is set on every TCP connection.
	TCPDelay bool
	// LockOSThread wires every loop goroutine to its own OS thread; an idle loop then blocks that
	// thread in epoll_wait instead of parking on the runtime's netpoller.
	LockOSThread bool
	// Logger receives rare events (accept errors, back-off). Default: none.
	Logger *slog.Logger
}

func (c *Config) setDefaults() {
	if c.Loops <= 0 {
		c.Loops = runtime.GOMAXPROCS(0)
	}
	if c.ReadBufferSize <= 0 {
		c.ReadBufferSize = DefaultReadBufferSize
	}
	if c.MaxPendingInput <= 0 {
		c.MaxPendingInput = DefaultMaxPendingInput
	}
	if c.WriteHighWatermark <= 0 {
		c.WriteHighWatermark = DefaultWriteHighWatermark
	}
	if c.WriteLowWatermark <= 0 || c.WriteLowWatermark > c.WriteHighWatermark {
		c.WriteLowWatermark = c.WriteHighWatermark / 4
	}
	if c.IdleTimeout == 0 {
		c.IdleTimeout = DefaultIdleTimeout
	}
	if c.CloseTimeout <= 0 {
		c.CloseTimeout = DefaultCloseTimeout
	}
	if c.TimerResolution <= 0 {
		c.TimerResolution = DefaultTimerResolution
	}
	if c.AcceptBackoff <= 0 {
		c.AcceptBackoff = DefaultAcceptBackoff
	}
	if c.Backlog <= 0 {
		c.Backlog = DefaultBacklog
	}
}

// Handler receives the events of every connection. All four methods run on the connection's loop
// goroutine, one at a time per loop; they must not block.
type Handler interface {
	// OnOpen is called once, when an accepted or dialed connection is ready.
	OnOpen(c *Conn)
	// OnData hands over input. It returns how many bytes it consumed; the rest is kept and handed
	// back, followed by new input, on the next call. in is valid only during the call. OnData
	// may change the bytes it consumes (decrypt them in place, say); those it leaves must stay
	// as they were.
	OnData(c *Conn, in []byte) (consumed int)
	// OnWritable is called when the write queue drained below the low watermark after it had passed the
	// high one or a write failed with ErrQueueFull, once after Conn.NotifyWritable when the queue is at
	// or below the low watermark, and after Conn.Wake.
	OnWritable(c *Conn)
	// OnClose is called once, after the socket is closed; err says why (nil: closed by Close,
	// io.EOF: the peer closed, ErrTimeout, ErrShutdown, a syscall error...).
	OnClose(c *Conn, err error)
}

// Stats are counters summed over the loops of a Loop.
type Stats struct {
	Conns        int64  // open connections now
	Accepted     uint64 // connections accepted
	Dialed       uint64 // connections dialed successfully
	Closed       uint64 // connections closed
	BytesRead    uint64 // bytes read
	BytesWritten uint64 // bytes written
	Reads        uint64 // read syscalls that returned data or EOF
	Writes       uint64 // write and writev syscalls
	// Wakeups counts wake-ups for requests from other goroutines (AsyncWrite, Wake,
	// NotifyWritable, and on the pollers PauseRead, ResumeRead, Close, Dial and Listen too): on the pollers a
	// loop's pass over the requests queued since its last, on the goroutine backend a connection's
	// writer or callback goroutine woken by AsyncWrite, Wake or NotifyWritable. Requests made
	// while one is pending share it.
	Wakeups      uint64
	Polls        uint64 // poller waits (epoll_wait / kevent)
	Events       uint64 // events the poller returned
	AcceptPauses uint64 // listener pauses after EMFILE/ENFILE
	Timeouts     uint64 // connections closed by a deadline or the idle timeout
	// AcceptDrops counts accepted connections closed before OnOpen: Shutdown came first, or the
	// poller could not register them (logged as an error).
	AcceptDrops uint64
}

// DialOptions are the optional parts of DialWith.
type DialOptions struct {
	// LocalAddr, if set, is the local address to bind before connecting ("127.0.0.2:0").
	LocalAddr string
	// Value is the connection's context slot (Conn.Context) as OnOpen sees it.
	Value any
}
