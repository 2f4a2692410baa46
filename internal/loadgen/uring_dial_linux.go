package loadgen

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/url"
	"sync"
	"time"

	"github.com/autobahn-go/autobahn/internal/tlsrec"

	"github.com/autobahn-go/autobahn/ws"
	"golang.org/x/sys/unix"
)

// dialRaw opens r.Conns connections with blocking dials and handshakes
// (at most maxDialers at once, ramped at r.Rate), and keeps of each only
// its socket, in blocking mode, for the ring.
func (r *Run) dialRaw(ctx context.Context, u *url.URL, open *openCount) (conns []*uconn, failed int64, first error) {
	conns = make([]*uconn, r.Conns)
	var mu sync.Mutex
	fail := func(err error) {
		mu.Lock()
		failed++
		if first == nil {
			first = err
		}
		mu.Unlock()
	}
	var tcfg *tls.Config
	if isTLS(u) {
		tcfg = uringTLSConfig(r.TLSConfig, u)
	}
	idx := make(chan int)
	var wg sync.WaitGroup
	for range min(r.Conns, maxDialers) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range idx {
				c, err := r.dialOne(ctx, u, tcfg, i)
				if err != nil {
					fail(err)
					continue
				}
				open.opened()
				conns[i] = c
			}
		}()
	}
	feedPaced(ctx, idx, r.Conns, r.Rate)
	wg.Wait()
	return conns, failed, first
}

// dialOne dials connection i and runs the opening handshake on it, after
// a TLS handshake with tcfg when it is not nil.
func (r *Run) dialOne(ctx context.Context, u *url.URL, tcfg *tls.Config, i int) (*uconn, error) {
	host := u.Host
	if u.Port() == "" {
		port := "80"
		if tcfg != nil {
			port = "443"
		}
		host = net.JoinHostPort(u.Hostname(), port)
	}
	d := net.Dialer{Timeout: 10 * time.Second}
	if la := r.localAddr(u, i); la != "" {
		a, err := net.ResolveTCPAddr("tcp", la)
		if err != nil {
			return nil, err
		}
		d.LocalAddr = a
	}
	nc, err := d.DialContext(ctx, "tcp", host)
	if err != nil {
		return nil, err
	}
	defer nc.Close()
	_ = nc.SetDeadline(time.Now().Add(10 * time.Second))
	// rw is the stream of the upgrade: the socket, or TLS over it.
	var rw io.ReadWriter = nc
	var tc *tls.Conn
	var tr *utlsConn
	var rs *recStream
	if tcfg != nil {
		var rec *tlsrec.Conn
		if rec, tc, tr, err = recordTLS(ctx, nc, tcfg); err != nil {
			return nil, err
		}
		if rec != nil {
			rs = &recStream{nc: nc, rec: rec}
			rw = rs
		} else {
			rw = tc
		}
	}
	key := ws.NewKey()
	req, err := ws.AppendRequest(nil, u, key, nil)
	if err != nil {
		return nil, err
	}
	if _, err := rw.Write(req); err != nil {
		return nil, err
	}
	buf := make([]byte, ws.DefaultMaxHeaderBytes)
	var resp ws.Response
	have, n := 0, 0
	for n == 0 {
		k, rerr := rw.Read(buf[have:])
		have += k
		if n, err = ws.ParseResponse(&resp, buf[:have], ws.HandshakeLimits{}); err != nil {
			return nil, err
		}
		if n == 0 && rerr != nil {
			return nil, fmt.Errorf("loadgen: handshake: %w", rerr)
		}
	}
	if _, err := ws.CheckResponse(&resp, key, nil, nil); err != nil {
		return nil, err
	}
	c := &uconn{fd: -1, rbuf: make([]byte, uringRecvBuf), ring: make([]pending, r.InFlight)}
	c.parser.Reset(ws.ParserConfig{Role: ws.RoleClient})
	if n < have {
		c.lead = append([]byte(nil), buf[n:have]...)
	}
	if rs != nil {
		c.rec = rs.rec
		c.lead = append(c.lead, rs.plain...) // opened, not read yet
		if len(rs.in) > 0 {
			c.part = append([]byte(nil), rs.in...)
		}
	}
	if tc != nil {
		tr.toMemory(&c.next)
		c.tls, c.tlsIn = tc, tr
	}
	sc, err := nc.(*net.TCPConn).SyscallConn()
	if err != nil {
		return nil, err
	}
	var derr error
	if err := sc.Control(func(fd uintptr) { c.fd, derr = unix.FcntlInt(fd, unix.F_DUPFD_CLOEXEC, 0) }); err != nil {
		return nil, err
	}
	if derr != nil {
		return nil, derr
	}
	// The ring waits for readiness itself; a blocking socket keeps it
	// from ever handing back EAGAIN.
	if err := unix.SetNonblock(c.fd, false); err != nil {
		_ = unix.Close(c.fd)
		return nil, err
	}
	return c, nil
}
