package ws

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"io"
	"net"
	"net/textproto"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// Response is a parsed handshake response; slices alias the parsed input.
type Response struct {
	Status int
	Header []HeaderField
}

// header returns a copy of the header fields, keyed canonically.
func (r *Response) header() map[string][]string {
	h := make(map[string][]string, len(r.Header))
	for _, f := range r.Header {
		k := textproto.CanonicalMIMEHeaderKey(string(f.Name))
		h[k] = append(h[k], string(f.Value))
	}
	return h
}

// Get returns the first value of the header name, or nil.
func (r *Response) Get(name string) []byte {
	for _, f := range r.Header {
		if asciiEqualFold(f.Name, name) {
			return f.Value
		}
	}
	return nil
}

// hasToken reports whether a comma-separated list that may span several
// header lines of the name (RFC 9110 §5.3) holds token.
func (r *Response) hasToken(name, token string) bool {
	for _, f := range r.Header {
		if asciiEqualFold(f.Name, name) && hasToken(f.Value, token) {
			return true
		}
	}
	return false
}

// ParseResponse parses an HTTP/1.1 response head at the start of b, like
// ParseRequest: n == 0 with a nil error means more input is needed.
func ParseResponse(resp *Response, b []byte, lim HandshakeLimits) (n int, err error) {
	end := bytes.Index(b, crlfcrlf)
	if end < 0 {
		if len(b) >= lim.bytes() {
			return 0, &HandshakeError{Reason: "response head too large"}
		}
		return 0, nil
	}
	if end+4 > lim.bytes() {
		return 0, &HandshakeError{Reason: "response head too large"}
	}
	*resp = Response{Header: resp.Header[:0]}
	line, rest := cutLine(b[:end+2])
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) || line[8] != ' ' {
		return 0, &HandshakeError{Reason: "malformed status line"}
	}
	code, err := strconv.Atoi(string(line[9:12]))
	if err != nil || code < 100 || (len(line) > 12 && line[12] != ' ') {
		return 0, &HandshakeError{Reason: "malformed status line"}
	}
	resp.Status = code
	if err := parseHeaders(&resp.Header, rest, lim.headers()); err != nil {
		var he *HandshakeError
		if errors.As(err, &he) {
			he.Status = code
		}
		return 0, err
	}
	return end + 4, nil
}

// CheckResponse applies the client's rules of RFC 6455 §4.1 to a response
// for the request with key, the offered protocols and the offered
// extensions; it returns what the server chose.
func CheckResponse(resp *Response, key string, offered []string, exts []Extension) (Negotiated, error) {
	fail := func(reason string) (Negotiated, error) {
		he := &HandshakeError{Status: resp.Status, Reason: reason}
		if resp.Status != 101 {
			he.Header = resp.header() // a refusal: why, perhaps
		}
		return Negotiated{}, he
	}
	if resp.Status != 101 {
		return fail("server did not switch protocols")
	}
	if !resp.hasToken("Upgrade", "websocket") {
		return fail("missing Upgrade: websocket")
	}
	if !resp.hasToken("Connection", "upgrade") {
		return fail("missing Connection: Upgrade")
	}
	if string(resp.Get("Sec-WebSocket-Accept")) != AcceptKey([]byte(key)) {
		return fail("bad Sec-WebSocket-Accept")
	}
	ext := resp.Get("Sec-WebSocket-Extensions")
	codec, err := acceptedExtensions(ext, exts)
	if err != nil {
		return fail(err.Error())
	}
	proto := string(resp.Get("Sec-WebSocket-Protocol"))
	if proto != "" {
		ok := false
		for _, p := range offered {
			ok = ok || p == proto
		}
		if !ok {
			return fail("server chose a subprotocol that was not offered")
		}
	}
	neg := Negotiated{Subprotocol: proto, Codec: codec}
	if codec != nil {
		neg.Extensions = string(ext)
	}
	return neg, nil
}

// Dial opens a WebSocket connection to a ws:// or wss:// URL, through an
// HTTP proxy (CONNECT) when Options.Proxy or the environment (HTTP_PROXY,
// HTTPS_PROXY, NO_PROXY) names one. The whole opening handshake is bounded
// by ctx and Options.HandshakeTimeout. A refused handshake is a
// *HandshakeError with the server's HTTP status.
func Dial(ctx context.Context, rawURL string, opts *Options) (*Conn, error) {
	o := opts.withDefaults()
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	var secure bool
	switch u.Scheme {
	case "ws", "http":
	case "wss", "https":
		secure = true
	default:
		return nil, errors.New("ws: URL scheme must be ws or wss")
	}
	if u.Hostname() == "" {
		// net.Dial would read ":80" as the local system.
		return nil, errors.New("ws: URL has no host")
	}
	addr := u.Host
	if u.Port() == "" {
		if secure {
			addr = net.JoinHostPort(u.Hostname(), "443")
		} else {
			addr = net.JoinHostPort(u.Hostname(), "80")
		}
	}
	ctx, cancel := context.WithTimeout(ctx, o.HandshakeTimeout)
	defer cancel()

	proxyFn := o.Proxy
	if proxyFn == nil {
		proxyFn = ProxyFromEnvironment
	}
	proxy, err := proxyFn(u)
	if err != nil {
		return nil, err
	}
	if proxy != nil && proxy.Scheme != "" && !strings.EqualFold(proxy.Scheme, "http") {
		// Only HTTP CONNECT is spoken: not TLS to the proxy, not SOCKS.
		return nil, errors.New("ws: proxy scheme " + strconv.Quote(proxy.Scheme) + " not supported (http only)")
	}
	dial := o.NetDial
	if dial == nil {
		var d net.Dialer
		dial = d.DialContext
	}
	target := addr
	if proxy != nil {
		target = proxy.Host
		if proxy.Port() == "" {
			target = net.JoinHostPort(proxy.Hostname(), "80")
		}
	}
	nc, err := dial(ctx, "tcp", target)
	if err != nil {
		return nil, err
	}
	stop := context.AfterFunc(ctx, func() { _ = nc.SetDeadline(time.Unix(1, 0)) })
	c, err := clientHandshake(nc, u, addr, proxy, secure, &o)
	if !stop() {
		err = errors.Join(err, ctx.Err())
	}
	if err != nil {
		if c != nil {
			// ctx ended just after the handshake: end the Conn, not only
			// its socket, which left it to the keepalive.
			c.drop(err)
		}
		_ = nc.Close()
		return nil, err
	}
	_ = c.nc.SetDeadline(time.Time{})
	return c, nil
}

func clientHandshake(nc net.Conn, u *url.URL, addr string, proxy *url.URL, secure bool, o *Options) (*Conn, error) {
	br := bufio.NewReaderSize(nc, 4096)
	if proxy != nil {
		req := "CONNECT " + addr + " HTTP/1.1\r\nHost: " + addr + "\r\n"
		if proxy.User != nil {
			pw, _ := proxy.User.Password()
			req += "Proxy-Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte(proxy.User.Username()+":"+pw)) + "\r\n"
		}
		if _, err := nc.Write([]byte(req + "\r\n")); err != nil {
			return nil, err
		}
		var resp Response
		if _, err := readResponse(br, &resp); err != nil {
			return nil, err
		}
		if resp.Status != 200 {
			return nil, &HandshakeError{Status: resp.Status, Reason: "proxy refused CONNECT"}
		}
		if br.Buffered() > 0 {
			return nil, &HandshakeError{Status: resp.Status, Reason: "proxy sent data after CONNECT"}
		}
	}
	conn := nc
	if secure {
		cfg := o.TLSConfig.Clone()
		if cfg == nil {
			cfg = &tls.Config{}
		}
		if cfg.ServerName == "" {
			cfg.ServerName = u.Hostname()
		}
		// The upgrade is HTTP/1.1's: a configuration shared with an HTTP
		// client offers h2 too, which a server would pick and then take
		// the request for a broken HTTP/2 preface.
		cfg.NextProtos = []string{"http/1.1"}
		tc := tls.Client(nc, cfg)
		if err := tc.Handshake(); err != nil {
			return nil, err
		}
		conn = tc
		br = bufio.NewReaderSize(tc, 4096)
	}
	key := NewKey()
	req, err := AppendRequest(nil, u, key, o)
	if err != nil {
		return nil, err
	}
	if _, err := conn.Write(req); err != nil {
		return nil, err
	}
	var resp Response
	rest, err := readResponse(br, &resp)
	if err != nil {
		return nil, err
	}
	neg, err := CheckResponse(&resp, key, o.Subprotocols, o.Extensions)
	if err != nil {
		var he *HandshakeError
		if errors.As(err, &he) && resp.Status != 101 {
			keepRefusal(he, &resp, rest, conn)
		}
		return nil, err
	}
	return NewConn(conn, RoleClient, rest, neg, o), nil
}

// keepRefusal keeps in he the start of a refusing response's body: what
// came with the head (rest), then more from nc within the handshake's
// deadline, up to Content-Length (or the end of the connection without
// one) and MaxRefusalBody.
func keepRefusal(he *HandshakeError, resp *Response, rest []byte, nc net.Conn) {
	r := io.MultiReader(bytes.NewReader(rest), nc)
	want := MaxRefusalBody
	if cl := resp.Get("Content-Length"); cl != nil {
		n, err := strconv.Atoi(string(cl))
		if err != nil || n < 0 {
			return
		}
		want = min(n, MaxRefusalBody)
	} else if hasToken(resp.Get("Transfer-Encoding"), "chunked") {
		he.Body = readChunked(bufio.NewReaderSize(r, 256), MaxRefusalBody)
		return
	}
	body := make([]byte, want)
	n, _ := io.ReadFull(r, body)
	he.Body = body[:n]
}

// readChunked decodes a chunked body (RFC 9112 §7.1) from r, up to max
// bytes or the first fault.
func readChunked(r *bufio.Reader, max int) []byte {
	var body []byte
	for len(body) < max {
		line, err := r.ReadSlice('\n')
		if err != nil {
			break
		}
		size := strings.TrimSpace(string(line))
		if i := strings.IndexByte(size, ';'); i >= 0 {
			size = size[:i] // chunk extensions
		}
		n, err := strconv.ParseUint(size, 16, 32)
		if err != nil || n == 0 {
			break
		}
		chunk := make([]byte, min(int(n), max-len(body)))
		k, _ := io.ReadFull(r, chunk)
		body = append(body, chunk[:k]...)
		if k < len(chunk) || int(n) > len(chunk) {
			break
		}
		if _, err := r.Discard(2); err != nil { // CRLF
			break
		}
	}
	return body
}

// readResponse reads a response head through br and returns the bytes
// read after it.
func readResponse(br *bufio.Reader, resp *Response) ([]byte, error) {
	var buf []byte
	for {
		b, err := br.ReadSlice('\n')
		buf = append(buf, b...)
		if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
			return nil, err
		}
		n, perr := ParseResponse(resp, buf, HandshakeLimits{})
		if perr != nil {
			return nil, perr
		}
		if n > 0 {
			rest := make([]byte, br.Buffered())
			_, _ = br.Read(rest)
			return rest, nil
		}
	}
}

// ProxyFromEnvironment returns the proxy for u from HTTPS_PROXY (wss) or
// HTTP_PROXY (ws), or their lower-case forms, unless NO_PROXY excludes the
// host; nil means no proxy. It follows net/http's rules in short: NO_PROXY
// is a comma list of hosts (each with its subdomains), domains with a
// leading dot (their subdomains only), IP addresses or CIDR ranges ("*"
// for all), and loopback hosts never use a proxy. Only http:// proxies
// are supported (Dial refuses others).
func ProxyFromEnvironment(u *url.URL) (*url.URL, error) {
	name := "HTTP_PROXY"
	if u.Scheme == "wss" || u.Scheme == "https" {
		name = "HTTPS_PROXY"
	}
	p := getenv(name)
	if p == "" {
		return nil, nil
	}
	host := strings.ToLower(u.Hostname())
	if host == "localhost" {
		return nil, nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil, nil
	}
	for _, np := range strings.Split(getenv("NO_PROXY"), ",") {
		np = strings.ToLower(strings.TrimSpace(np))
		if np == "" {
			continue
		}
		if np == "*" {
			return nil, nil
		}
		if _, cidr, err := net.ParseCIDR(np); err == nil {
			if ip := net.ParseIP(host); ip != nil && cidr.Contains(ip) {
				return nil, nil
			}
			continue
		}
		if h, _, err := net.SplitHostPort(np); err == nil {
			np = h
		}
		// "a.test" matches a.test and its subdomains; ".a.test" and
		// "*.a.test" the subdomains only.
		np = strings.TrimPrefix(np, "*")
		if strings.HasPrefix(np, ".") {
			if strings.HasSuffix(host, np) {
				return nil, nil
			}
		} else if host == np || strings.HasSuffix(host, "."+np) {
			return nil, nil
		}
	}
	if !strings.Contains(p, "://") {
		p = "http://" + p
	}
	return url.Parse(p)
}

func getenv(name string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return os.Getenv(strings.ToLower(name))
}
