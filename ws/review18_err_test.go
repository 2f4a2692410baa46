package ws

import (
	"errors"
	"io"
	"testing"
	"time"
)

// errHandler records Conn.Err in OnOpen and in OnClose.
type errHandler struct {
	BaseHandler
	open, ended chan error
}

func (h *errHandler) OnOpen(c *Conn)                                  { h.open <- c.Err() }
func (h *errHandler) OnClose(c *Conn, _ bool, _ StatusCode, _ string) { h.ended <- c.Err() }

// Conn.Err is nil while the connection is open and then tells how it
// ended, also what OnClose's 1006 with no reason does not: a peer that
// went away (io.EOF) from one whose close frame ended it.
func TestReview18ConnErr(t *testing.T) {
	recv := func(t *testing.T, ch chan error) error {
		t.Helper()
		select {
		case err := <-ch:
			return err
		case <-time.After(10 * time.Second):
			t.Fatal("no callback")
			return nil
		}
	}
	t.Run("peer went away", func(t *testing.T) {
		h := &errHandler{open: make(chan error, 1), ended: make(chan error, 1)}
		url, _ := startServer(t, h, &Options{PingInterval: -1})
		r := dialRaw(t, url)
		if err := recv(t, h.open); err != nil {
			t.Errorf("Err while open: %v", err)
		}
		_ = r.nc.Close()
		var ce *CloseError
		if err := recv(t, h.ended); !errors.As(err, &ce) || ce.Code != StatusAbnormalClosure || !errors.Is(err, io.EOF) || !errors.Is(err, ErrClosed) {
			t.Errorf("Err in OnClose: %v; want a 1006 *CloseError matching io.EOF and ErrClosed", err)
		}
	})
	t.Run("close frame", func(t *testing.T) {
		h := &errHandler{open: make(chan error, 1), ended: make(chan error, 1)}
		url, _ := startServer(t, h, &Options{PingInterval: -1})
		c := dial(t, url, &Options{PingInterval: -1})
		if err := recv(t, h.open); err != nil {
			t.Errorf("Err while open: %v", err)
		}
		_ = c.Close(4001, "bye")
		var ce *CloseError
		if err := recv(t, h.ended); !errors.As(err, &ce) || ce.Code != 4001 || ce.Reason != "bye" || !ce.WasClean {
			t.Errorf("Err in OnClose: %v; want the clean close 4001 \"bye\"", err)
		}
		if err := c.Err(); !errors.As(err, &ce) || ce.Code != 4001 || !ce.WasClean {
			t.Errorf("the client's Err after Close: %v; want its clean close 4001", err)
		}
	})
}
