package ws

import (
	"crypto/tls"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Connections made with unresolved Options (nil, or a caller's value that
// never went through Resolve) used to keep a resolved copy each (about
// 224 bytes). resolved interns those copies instead: connections whose
// Options resolve to the same content share one copy, which nothing can
// change afterwards (its string slices are the cache's own clones). Options
// that hold what cannot be compared by content (Header, NetDial, Proxy:
// client-only fields) still get a copy of their own.

// optKey is the content of a resolved Options: its scalars, the pointers
// it shares with the caller's value (as a copy shares them), the strings
// of its string slices, and the identity of its Extensions slice (the
// elements a copy would share).
type optKey struct {
	maxFrame, maxMessage                      int64
	autoFragment, maxConns, readBuffer        int
	handshake, closeT, pingI, pingT, messageT time.Duration
	noDelayOff, failByDrop, panicCrash        bool
	budget                                    *MemoryBudget
	tlsConfig                                 *tls.Config
	logger                                    *slog.Logger
	subprotocols, origins                     string // length-prefixed strings
	ext0                                      *Extension
	extLen, extCap                            int
}

// optCacheMax bounds optCache: past it, each connection gets its own copy.
const optCacheMax = 256

var optCache struct {
	sync.Mutex
	m map[optKey]*Options
}

// discardLogger is the Logger of resolved Options without one.
var discardLogger = slog.New(slog.DiscardHandler)

// internResolved returns the shared resolved Options equal to r (which is
// resolved) and true, or r itself and false when it cannot be shared.
func internResolved(r *Options) (*Options, bool) {
	if r.Header != nil || r.NetDial != nil || r.Proxy != nil {
		return r, false
	}
	k := optKey{
		maxFrame: r.MaxFramePayload, maxMessage: r.MaxMessagePayload,
		autoFragment: r.AutoFragmentSize, maxConns: r.MaxConnections, readBuffer: r.ReadBufferSize,
		handshake: r.HandshakeTimeout, closeT: r.CloseTimeout, pingI: r.PingInterval, pingT: r.PingTimeout,
		messageT: r.MessageTimeout, noDelayOff: r.DisableNoDelay, failByDrop: r.FailByDrop, panicCrash: r.PanicCrash,
		budget: r.MemoryBudget, tlsConfig: r.TLSConfig, logger: r.Logger,
		subprotocols: joinStrings(r.Subprotocols), origins: joinStrings(r.AllowedOrigins),
		extLen: len(r.Extensions), extCap: cap(r.Extensions),
	}
	if len(r.Extensions) > 0 {
		k.ext0 = &r.Extensions[0]
	}
	optCache.Lock()
	defer optCache.Unlock()
	if s := optCache.m[k]; s != nil {
		return s, true
	}
	if len(optCache.m) >= optCacheMax {
		return r, false
	}
	// The cache's own copy: later changes to the caller's slices do not
	// reach it (Extensions' elements are shared, as by any copy).
	if r.Subprotocols != nil {
		r.Subprotocols = append([]string{}, r.Subprotocols...)
	}
	if r.AllowedOrigins != nil {
		r.AllowedOrigins = append([]string{}, r.AllowedOrigins...)
	}
	if optCache.m == nil {
		optCache.m = map[optKey]*Options{}
	}
	optCache.m[k] = r
	return r, true
}

// joinStrings encodes ss without ambiguity: nil and empty differ, and
// every string is prefixed with its length.
func joinStrings(ss []string) string {
	if ss == nil {
		return ""
	}
	var b strings.Builder
	b.WriteByte('[')
	for _, s := range ss {
		b.WriteString(strconv.Itoa(len(s)))
		b.WriteByte(':')
		b.WriteString(s)
	}
	return b.String()
}
