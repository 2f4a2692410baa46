package loadgen

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/autobahn-go/autobahn/ws"
)

// Idle configures a memory run: open connections, hold them idle, read
// the server's memory, then ping every connection and count the pongs.
type Idle struct {
	Dial
	Hold time.Duration // how long the connections stay idle before the reading
	// PongTimeout bounds the wait for the pongs (default 5 s).
	PongTimeout time.Duration
	PID         int // the server's process, for its RSS
	// Marginal opens the connections in two halves, each held Hold, and
	// also reports what the second half added per connection: the cost of
	// one more connection, without what a server pays once as the first
	// ones come (its first collection's runtime metadata, code paged in).
	Marginal bool
}

// IdleResult is the outcome of an Idle run, as `autobahn bench idle
// --json` prints it.
type IdleResult struct {
	URL               string `json:"url"`
	Conns             int    `json:"conns"`
	Connected         int    `json:"connected"`
	ConnectErrors     int64  `json:"connect_errors"`
	FirstConnectError string `json:"first_connect_error,omitempty"`
	// The server's RSS before the first connection and after the hold
	// (0 without a PID), and their difference per connection.
	RSSBefore  int64   `json:"rss_before_bytes,omitempty"`
	RSSAfter   int64   `json:"rss_after_bytes,omitempty"`
	RSSPerConn float64 `json:"rss_per_conn_bytes,omitempty"`
	// RSSAnonPerConn is the growth of the resident anonymous memory per
	// connection: RSSPerConn without the file pages (the binary's code
	// the first connections page in); 0 if unknown.
	RSSAnonPerConn float64 `json:"rss_anon_per_conn_bytes,omitempty"`
	// With Idle.Marginal: the connections of the first half, and the
	// growth of RSS and of the anonymous memory per connection of the
	// second half (0 if unknown).
	FirstHalf           int     `json:"first_half,omitempty"`
	MarginalPerConn     float64 `json:"marginal_per_conn_bytes,omitempty"`
	MarginalAnonPerConn float64 `json:"marginal_anon_per_conn_bytes,omitempty"`
	// The server's file descriptors before and after (0 without a PID or
	// /proc/PID/fd): a server that gained far fewer than one per
	// connection shares the port with another process (SO_REUSEPORT), and
	// the per-connection figures are not its own (NotAllTheServers).
	FDsBefore  int      `json:"fds_before,omitempty"`
	FDsAfter   int      `json:"fds_after,omitempty"`
	SockBefore SockStat `json:"sockstat_before"`
	SockAfter  SockStat `json:"sockstat_after"`
	// KernelPerConn is the growth of the kernel's TCP buffer memory per
	// connection, both ends of loopback connections included.
	KernelPerConn    float64 `json:"kernel_mem_per_conn_bytes"`
	Pinged           int     `json:"pinged"`
	Pongs            int64   `json:"pongs"`
	UnexpectedCloses int64   `json:"unexpected_closes"`
	HoldSeconds      float64 `json:"hold_s"`
}

// NotAllTheServers reports whether the server process gained fewer than
// 9 file descriptors for every 10 connections held: others took the rest
// (processes sharing the port), so RSSPerConn understates its memory.
func (res *IdleResult) NotAllTheServers() bool {
	if res.FDsBefore == 0 || res.FDsAfter == 0 || res.Connected == 0 {
		return false
	}
	return 10*(res.FDsAfter-res.FDsBefore) < 9*res.Connected
}

// idleConn counts a connection's pongs.
type idleConn struct {
	ws.BaseHandler
	st *idleState
}

type idleState struct {
	open     *openCount
	pongs    atomic.Int64
	want     atomic.Int64
	allPongs chan struct{}
	once     sync.Once
	closes   atomic.Int64
}

func (h idleConn) OnOpen(*ws.Conn) { h.st.open.opened() }

func (h idleConn) OnPong(*ws.Conn, []byte) {
	if h.st.pongs.Add(1) == h.st.want.Load() {
		h.st.once.Do(func() { close(h.st.allPongs) })
	}
}

func (h idleConn) OnClose(*ws.Conn, bool, ws.StatusCode, string) {
	if !h.st.open.closing.Load() {
		h.st.closes.Add(1)
	}
	h.st.open.closed()
}

// hold waits r.Hold, or until ctx ends.
func (r *Idle) hold(ctx context.Context) {
	t := time.NewTimer(r.Hold)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// Start opens the connections, holds them for Hold (or until ctx ends),
// reads the memory, pings, and closes.
func (r *Idle) Start(ctx context.Context) (*IdleResult, error) {
	u, err := r.check()
	if err != nil {
		return nil, err
	}
	if r.PongTimeout <= 0 {
		r.PongTimeout = 5 * time.Second
	}
	if r.Hold < 0 {
		return nil, errors.New("loadgen: negative hold time")
	}
	res := &IdleResult{URL: r.URL, Conns: r.Conns}
	st := &idleState{open: newOpenCount(), allPongs: make(chan struct{})}
	st.want.Store(-1)
	res.SockBefore, _ = ReadSockStat()
	var anonBefore int64
	if r.PID > 0 {
		p, err := ReadProc(r.PID)
		if err != nil {
			return nil, err
		}
		res.RSSBefore, anonBefore = p.RSS, p.RSSAnon
		res.FDsBefore, _ = CountFDs(r.PID)
	}
	cl := r.newClient()
	conns := make([]*ws.Conn, r.Conns)
	handler := func(int) ws.Handler { return idleConn{st: st} }
	opened := func(i int, c *ws.Conn) { conns[i] = c }
	var failed int64
	var dialErr error
	var mid ProcSample
	if r.Marginal && r.Conns >= 2 {
		half := r.Conns / 2
		failed, dialErr = r.dialRange(ctx, cl, u, 0, half, handler, opened)
		res.FirstHalf = half - int(failed)
		r.hold(ctx)
		if r.PID > 0 {
			mid, _ = ReadProc(r.PID)
		}
		f2, err2 := r.dialRange(ctx, cl, u, half, r.Conns-half, handler, opened)
		failed += f2
		if dialErr == nil {
			dialErr = err2
		}
	} else {
		failed, dialErr = r.dialAll(ctx, cl, u, handler, opened)
	}
	res.ConnectErrors = failed
	live := conns[:0:0]
	for _, c := range conns {
		if c != nil {
			live = append(live, c)
		}
	}
	res.Connected = len(live)
	if dialErr != nil {
		res.FirstConnectError = dialErr.Error()
	}
	if len(live) == 0 {
		closeAll(nil, cl, st.open.startClosing(), 0)
		return nil, errors.Join(errors.New("loadgen: no connection opened"), dialErr)
	}
	held := time.Now()
	r.hold(ctx)
	res.HoldSeconds = time.Since(held).Seconds()
	res.SockAfter, _ = ReadSockStat()
	if r.PID > 0 {
		if p, err := ReadProc(r.PID); err == nil {
			res.RSSAfter = p.RSS
			res.RSSPerConn = float64(res.RSSAfter-res.RSSBefore) / float64(len(live))
			if anonBefore > 0 && p.RSSAnon > 0 {
				res.RSSAnonPerConn = float64(p.RSSAnon-anonBefore) / float64(len(live))
			}
			if second := len(live) - res.FirstHalf; mid.RSS > 0 && res.FirstHalf > 0 && second > 0 {
				res.MarginalPerConn = float64(p.RSS-mid.RSS) / float64(second)
				if mid.RSSAnon > 0 && p.RSSAnon > 0 {
					res.MarginalAnonPerConn = float64(p.RSSAnon-mid.RSSAnon) / float64(second)
				}
			}
		}
		res.FDsAfter, _ = CountFDs(r.PID)
	}
	res.KernelPerConn = float64(res.SockAfter.TCPMem-res.SockBefore.TCPMem) / float64(len(live))

	// Ping every connection; the pongs come to OnPong. The wait is for
	// the pongs of the pings that went out (a connection closed by then
	// gets none).
	for _, c := range live {
		if c.Ping(context.Background(), []byte("bench")) == nil {
			res.Pinged++
		}
	}
	st.want.Store(int64(res.Pinged))
	if st.pongs.Load() >= int64(res.Pinged) {
		st.once.Do(func() { close(st.allPongs) })
	}
	pt := time.NewTimer(r.PongTimeout)
	select {
	case <-st.allPongs:
	case <-pt.C:
	case <-ctx.Done():
	}
	pt.Stop()
	res.Pongs = st.pongs.Load()
	res.UnexpectedCloses = st.closes.Load()
	closeAll(live, cl, st.open.startClosing(), time.Second)
	return res, nil
}
