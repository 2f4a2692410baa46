package websocket

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"syscall"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/ws"
)

// The errors Recv returns: what ended the connection, told apart (the
// peer's close, this side's failed write, this side's event loop's drop).

// violation makes a decoding error match wamp.ErrProtocolViolation.
func violation(err error) error {
	if errors.Is(err, wamp.ErrProtocolViolation) {
		return err
	}
	return fmt.Errorf("%w: %w", wamp.ErrProtocolViolation, err)
}

func (c *Conn) recvErr(ctx context.Context, err error) error {
	switch {
	case c.isClosed():
		return ErrClosed
	case ctx.Err() != nil:
		return ctx.Err()
	case errors.Is(err, ws.ErrMessageTooBig):
		return fmt.Errorf("%w: %w", ErrMessageTooLarge, err)
	}
	var ce *ws.CloseError
	if errors.As(err, &ce) {
		if writeDropped(ce) {
			return fmt.Errorf("websocket: write failed: %w", err)
		}
		if lostOnLoop(ce) {
			return fmt.Errorf("websocket: connection ended without a close handshake: %w (%w)", io.EOF, err)
		}
		if c.loop && droppedHere(ce) {
			return fmt.Errorf("websocket: dropped by this side: %w", err)
		}
		return fmt.Errorf("websocket: peer closed: %w (%w)", io.EOF, err)
	}
	return err
}

// writeDropped reports whether a write of this side failing (a timeout,
// a broken pipe) dropped the connection, not the peer closing it: a
// net.Conn's write, or the event loop's write or writev system call.
func writeDropped(ce *ws.CloseError) bool {
	if ce.Code != ws.StatusAbnormalClosure {
		return false
	}
	var oe *net.OpError
	var se *os.SyscallError
	return errors.As(ce.Err, &oe) && strings.Contains(oe.Op, "write") ||
		errors.As(ce.Err, &se) && strings.HasPrefix(se.Syscall, "write")
}

// droppedHere reports whether ce is a drop without a close handshake that
// this side's event loop decided (its IdleTimeout, a peer too slow to
// read, input too large, Close's timeout, Shutdown), not the peer going
// away (its end of the TCP connection, a reset).
func droppedHere(ce *ws.CloseError) bool {
	cause := ce.Err
	return !ce.WasClean && ce.Code == ws.StatusAbnormalClosure && cause != nil &&
		!errors.Is(cause, io.EOF) && !errors.Is(cause, io.ErrUnexpectedEOF) && !errors.Is(cause, syscall.ECONNRESET)
}

// lostOnLoop reports whether ce is an event loop's end without a close
// handshake and without a known cause (endError's 1006; loopEnd gives the
// cause where ws.Conn.Err has it): Recv then blames neither side.
func lostOnLoop(ce *ws.CloseError) bool {
	return !ce.WasClean && ce.Code == ws.StatusAbnormalClosure && ce.Err == nil
}
