package ws

import (
	"bytes"
	"crypto/sha1"
	"encoding/base64"
	"strconv"

	"github.com/autobahn-go/autobahn/ws/internal/authority"
	"github.com/autobahn-go/autobahn/ws/internal/serverhooks"
)

// Handshake limits used when a HandshakeLimits field is zero.
const (
	DefaultMaxHeaderBytes = 8 << 10
	DefaultMaxHeaders     = 64
)

// HandshakeLimits bound the opening handshake a parser accepts.
type HandshakeLimits struct {
	MaxHeaderBytes int // request or response head, request line included
	MaxHeaders     int // header lines
}

func (l HandshakeLimits) bytes() int {
	if l.MaxHeaderBytes > 0 {
		return l.MaxHeaderBytes
	}
	return DefaultMaxHeaderBytes
}

func (l HandshakeLimits) headers() int {
	if l.MaxHeaders > 0 {
		return l.MaxHeaders
	}
	return DefaultMaxHeaders
}

// HeaderField is one header line; both slices alias the parsed input.
type HeaderField struct {
	Name, Value []byte
}

// Request is a parsed opening handshake request (RFC 6455 §4.2.1). Every
// slice aliases the input given to ParseRequest. Reuse a Request to parse
// without allocating.
type Request struct {
	Method, Target []byte
	Header         []HeaderField

	Host, Key, Version, Origin []byte
	upgrade, connection        bool
	http10                     bool // HTTP/1.0: a plain request (Server.HTTP) may be, an upgrade may not
	origins                    bool // more than one Origin: CheckRequest refuses it
	content                    bool // Transfer-Encoding, or a Content-Length other than 0
}

// Values appends to dst every value of the header name (case-insensitive),
// split at commas, trimmed: the form of Sec-WebSocket-Protocol and
// Sec-WebSocket-Extensions.
func (r *Request) Values(dst [][]byte, name string) [][]byte {
	for _, f := range r.Header {
		if asciiEqualFold(f.Name, name) {
			dst = splitTokens(dst, f.Value)
		}
	}
	return dst
}

// Get returns the first value of the header name, or nil.
func (r *Request) Get(name string) []byte {
	for _, f := range r.Header {
		if asciiEqualFold(f.Name, name) {
			return f.Value
		}
	}
	return nil
}

// ParseRequest parses an HTTP/1.1 request head at the start of b. It returns
// the number of bytes the head took, or n == 0 and a nil error when b holds
// only part of it. It runs in time linear in the head's size and never
// allocates once req.Header has capacity. It checks the request line and
// the headers' syntax and limits; CheckRequest checks the WebSocket rules.
// Errors are *HandshakeError with the HTTP status to answer.
func ParseRequest(req *Request, b []byte, lim HandshakeLimits) (n int, err error) {
	return parseRequest(req, b, lim, 0)
}

// parseRequest is ParseRequest resuming after from bytes of b that an
// earlier call checked and found incomplete (it returned 0, nil for
// b[:from]): a head that arrives a byte at a time is checked in time
// linear in its size, not quadratic. The drivers give from as the length
// of the input they last parsed.
func parseRequest(req *Request, b []byte, lim HandshakeLimits, from int) (n int, err error) {
	from = min(max(from, 0), len(b))
	start := max(from-len(crlfcrlf)+1, 0) // a CRLFCRLF may end in the new input
	end := bytes.Index(b[start:], crlfcrlf)
	if end >= 0 {
		end += start
	}
	max := lim.bytes()
	if end < 0 {
		// Refuse at once what can never become a request head (a TLS
		// ClientHello, a bare-LF request, binary noise) instead of
		// waiting for the handshake timeout with the socket held.
		if err := checkHead(b, from); err != nil {
			return 0, err
		}
		if len(b) >= max {
			return 0, &HandshakeError{Status: 431, Reason: "request head too large"}
		}
		return 0, nil
	}
	if end+4 > max {
		return 0, &HandshakeError{Status: 431, Reason: "request head too large"}
	}
	if err := checkHead(b[:end+4], from); err != nil {
		return 0, err
	}
	head := b[:end+2]
	*req = Request{Header: req.Header[:0]}

	line, rest := cutLine(head)
	if err := parseRequestLine(req, line); err != nil {
		return 0, err
	}
	if err := parseHeaders(&req.Header, rest, lim.headers()); err != nil {
		return 0, err
	}
	var haveKey, haveVersion bool
	for _, f := range req.Header {
		switch {
		case asciiEqualFold(f.Name, "Host"):
			if req.Host != nil {
				return 0, &HandshakeError{Status: 400, Reason: "duplicate Host header"}
			}
			req.Host = f.Value
		case asciiEqualFold(f.Name, "Upgrade"):
			req.upgrade = req.upgrade || hasToken(f.Value, "websocket")
		case asciiEqualFold(f.Name, "Connection"):
			req.connection = req.connection || hasToken(f.Value, "upgrade")
		case asciiEqualFold(f.Name, "Sec-WebSocket-Key"):
			// §11.3.1: the header must not appear more than once; which
			// one to answer would be a guess.
			if haveKey {
				return 0, &HandshakeError{Status: 400, Reason: "duplicate Sec-WebSocket-Key header"}
			}
			haveKey, req.Key = true, f.Value
		case asciiEqualFold(f.Name, "Sec-WebSocket-Version"):
			// §4.2.1 asks for exactly one version (the client's retry
			// after a 426 lists one); several are refused alike.
			if haveVersion {
				return 0, &HandshakeError{Status: 400, Reason: "duplicate Sec-WebSocket-Version header"}
			}
			haveVersion, req.Version = true, f.Value
		case asciiEqualFold(f.Name, "Origin"):
			req.origins = req.origins || req.Origin != nil
			req.Origin = f.Value
		case asciiEqualFold(f.Name, "Transfer-Encoding"):
			req.content = true
		case asciiEqualFold(f.Name, "Content-Length"):
			req.content = req.content || string(f.Value) != "0"
		}
	}
	return end + 4, nil
}

// parseRequestLine parses "GET /target HTTP/1.1". HTTP/1.0 and HTTP/2
// prefaces are refused: the upgrade mechanism is HTTP/1.1's (§4.1).
func parseRequestLine(req *Request, line []byte) error {
	sp := bytes.IndexByte(line, ' ')
	if sp <= 0 || !isToken(line[:sp]) {
		return &HandshakeError{Status: 400, Reason: "malformed request line"}
	}
	req.Method = line[:sp]
	line = line[sp+1:]
	sp = bytes.IndexByte(line, ' ')
	if sp <= 0 {
		return &HandshakeError{Status: 400, Reason: "malformed request line"}
	}
	req.Target = line[:sp]
	for _, c := range req.Target {
		if c <= ' ' || c == 0x7f {
			return &HandshakeError{Status: 400, Reason: "malformed request target"}
		}
	}
	proto := line[sp+1:]
	if !bytes.HasPrefix(proto, []byte("HTTP/1.")) || len(proto) != 8 || proto[7] < '0' || proto[7] > '9' {
		return &HandshakeError{Status: 400, Reason: "not an HTTP/1.x request"}
	}
	req.http10 = proto[7] == '0' // CheckRequest refuses it; a plain request may be 1.0 (health checkers)
	return nil
}

// checkHead checks what has arrived of a request head (b, up to its end if
// that is in) for bytes no valid head holds: a method that is not a token,
// a request line that is not HTTP/1.x, a bare LF or bare CR, or a control
// character other than HTAB (RFC 9110 §5.5 forbids them in field values;
// NUL or CR smuggled into a value could split what a proxy or a log sees).
// It runs on partial input so that garbage is refused at once. The
// first from bytes of b were checked (parseRequest): only what follows
// them is (the searches for a space and a CRLF, which are fast, run over
// all of b).
func checkHead(b []byte, from int) error {
	sp := bytes.IndexByte(b, ' ')
	method := b
	if sp >= 0 {
		method = b[:sp]
	}
	if sp == 0 || len(method) > from && !isToken(method[from:]) {
		return &HandshakeError{Status: 400, Reason: "not an HTTP/1.1 request"}
	}
	// From the last byte checked: a CR there had no next byte yet.
	i0 := max(from-1, 0)
	if serverhooks.HeadChecked != nil {
		serverhooks.HeadChecked(len(b) - i0)
	}
	for i := i0; i < len(b); i++ {
		c := b[i]
		switch {
		case c == '\n':
			if i == 0 || b[i-1] != '\r' {
				return &HandshakeError{Status: 400, Reason: "bare LF in request head"}
			}
		case c == '\r':
			if i+1 < len(b) && b[i+1] != '\n' {
				return &HandshakeError{Status: 400, Reason: "bare CR in request head"}
			}
		case c < ' ' && c != '\t', c == 0x7f:
			return &HandshakeError{Status: 400, Reason: "control character in request head"}
		}
	}
	if line, _ := cutLine(b); line != nil && len(line)+2 > from {
		var r Request // the request line is in: checked once
		return parseRequestLine(&r, line)
	}
	return nil
}

// CheckRequest applies the server's rules of RFC 6455 §4.2.1 to a parsed
// request: HTTP/1.1 or later (ParseRequest also takes HTTP/1.0, for plain
// requests), GET, Host (the bytes of an authority: a malformed one gets
// 400, as from net/http), Upgrade: websocket, Connection: Upgrade, a 16-byte
// base64 Sec-WebSocket-Key and Sec-WebSocket-Version 13 (426 otherwise, and
// the response must then carry "Sec-WebSocket-Version: 13"), and no
// content (Content-Length other than 0, Transfer-Encoding): that belongs
// to the HTTP request, and taken as the WebSocket's first bytes it would
// be read as frames the client never sent; and one Origin at most.
func CheckRequest(req *Request) error {
	if req.http10 {
		return &HandshakeError{Status: 400, Reason: "WebSocket needs HTTP/1.1"}
	}
	if req.Host != nil && !authority.Valid(req.Host) {
		// As net/http answers it (so through wshttp), before it looks
		// at anything else: a Host that is no authority (a space, a
		// quote, a brace).
		return &HandshakeError{Status: 400, Reason: "malformed Host header"}
	}
	if err := checkUpgrade(string(req.Method) == "GET", req.Host != nil, req.upgrade, req.connection, req.Key, req.Version, req.content); err != nil {
		return err
	}
	if req.origins {
		return duplicateOrigin()
	}
	return nil
}

// duplicateOrigin refuses an upgrade with more than one Origin: a user
// agent sends one at most (RFC 6454 §7.3), and which one to check would
// be a guess (net/http, under ws/wshttp, gives the first; ParseRequest
// keeps the last).
func duplicateOrigin() error {
	return &HandshakeError{Status: 400, Reason: "duplicate Origin header"}
}

func checkUpgrade(get, host, upgrade, connection bool, key, version []byte, content bool) error {
	switch {
	case !host: // net/http answers this first, too
		return &HandshakeError{Status: 400, Reason: "missing Host header"}
	case !get:
		return &HandshakeError{Status: 405, Reason: "method is not GET"}
	case !upgrade:
		return &HandshakeError{Status: 426, Reason: "missing Upgrade: websocket"}
	case !connection:
		return &HandshakeError{Status: 400, Reason: "missing Connection: Upgrade"}
	case !validKey(key):
		return &HandshakeError{Status: 400, Reason: "bad Sec-WebSocket-Key"}
	case string(version) != "13":
		return &HandshakeError{Status: 426, Reason: "unsupported Sec-WebSocket-Version"}
	case content:
		return &HandshakeError{Status: 400, Reason: "upgrade request with content"}
	}
	return nil
}

// CheckHTTP is CheckRequest for a request already parsed by another HTTP
// implementation (net/http): header values are given by get, which returns
// every value of a canonical header name. get("Transfer-Encoding") must
// report a transfer coding even if the implementation keeps it apart from
// the header (net/http's Request.TransferEncoding).
func CheckHTTP(method string, get func(name string) []string) error {
	var key, version []byte
	if v := get("Sec-Websocket-Key"); len(v) == 1 {
		key = []byte(v[0])
	} else if len(v) > 1 {
		return &HandshakeError{Status: 400, Reason: "duplicate Sec-WebSocket-Key header"}
	}
	if v := get("Sec-Websocket-Version"); len(v) == 1 {
		version = []byte(v[0])
	} else if len(v) > 1 {
		return &HandshakeError{Status: 400, Reason: "duplicate Sec-WebSocket-Version header"}
	}
	content := len(get("Transfer-Encoding")) > 0
	for _, v := range get("Content-Length") {
		content = content || v != "0"
	}
	if err := checkUpgrade(method == "GET", true, anyToken(get("Upgrade"), "websocket"), anyToken(get("Connection"), "upgrade"), key, version, content); err != nil {
		return err
	}
	if len(get("Origin")) > 1 {
		return duplicateOrigin()
	}
	return nil
}

func anyToken(values []string, token string) bool {
	for _, v := range values {
		if hasToken([]byte(v), token) {
			return true
		}
	}
	return false
}

func validKey(key []byte) bool {
	if len(key) != 24 {
		return false
	}
	var dst [18]byte
	n, err := base64.StdEncoding.Decode(dst[:], key)
	return err == nil && n == 16
}

var (
	crlfcrlf   = []byte("\r\n\r\n")
	acceptGUID = []byte("258EAFA5-E914-47DA-95CA-C5AB0DC85B11")
)

// AcceptKey computes Sec-WebSocket-Accept for a Sec-WebSocket-Key (§4.2.2).
func AcceptKey(key []byte) string {
	var buf [28]byte
	return string(appendAccept(buf[:0], key))
}

func appendAccept(dst, key []byte) []byte {
	var buf [64]byte
	sum := sha1.Sum(append(append(buf[:0], key...), acceptGUID...))
	n := len(dst)
	dst = append(dst, make([]byte, 28)...)
	base64.StdEncoding.Encode(dst[n:], sum[:])
	return dst
}

// AppendResponse appends the 101 response accepting req to dst, with the
// chosen subprotocol and extensions (empty for none) and extra header lines.
// With a reused dst it does not allocate.
func AppendResponse(dst []byte, req *Request, protocol, extensions string, extra []HeaderField) []byte {
	dst = append(dst, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: "...)
	dst = appendAccept(dst, req.Key)
	dst = append(dst, "\r\n"...)
	// The echoed values come from the handler or the request: one that
	// is not a clean field value is left out rather than let it split
	// the response.
	if protocol != "" && validValue(protocol) {
		dst = append(dst, "Sec-WebSocket-Protocol: "...)
		dst = append(dst, protocol...)
		dst = append(dst, "\r\n"...)
	}
	if extensions != "" && validValue(extensions) {
		dst = append(dst, "Sec-WebSocket-Extensions: "...)
		dst = append(dst, extensions...)
		dst = append(dst, "\r\n"...)
	}
	for _, f := range extra {
		dst = appendHeaderLine(dst, f.Name, f.Value)
	}
	return append(dst, "\r\n"...)
}

// AppendReject appends an HTTP error response with status and a short
// text body (none for a 304, as AppendHTTPResponse leaves it out); a 426 carries Upgrade: websocket (RFC 9110 §15.5.22) and
// Sec-WebSocket-Version: 13 (RFC 6455 §4.4), a 405 Allow: GET (RFC 9110
// §15.5.6).
func AppendReject(dst []byte, status int, reason string, extra []HeaderField) []byte {
	dst = append(dst, "HTTP/1.1 "...)
	dst = strconv.AppendInt(dst, int64(status), 10)
	dst = append(dst, ' ')
	dst = append(dst, statusText(status)...)
	dst = append(dst, "\r\nContent-Type: text/plain; charset=utf-8\r\n"...)
	if status == 426 {
		// Upgrade goes with its connection option (RFC 9110 §7.8).
		dst = append(dst, "Connection: Upgrade, close\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"...)
	} else {
		dst = append(dst, "Connection: close\r\n"...)
	}
	if status == 405 {
		dst = append(dst, "Allow: GET\r\n"...)
	}
	for _, f := range extra {
		dst = appendHeaderLine(dst, f.Name, f.Value)
	}
	if noContent(status) {
		return append(dst, "\r\n"...)
	}
	dst = append(dst, "Content-Length: "...)
	dst = strconv.AppendInt(dst, int64(len(reason)+1), 10)
	dst = append(dst, "\r\n\r\n"...)
	dst = append(dst, reason...)
	return append(dst, '\n')
}

// AppendHTTPResponse appends a complete HTTP/1.1 response that closes the
// connection: the status line, the header lines (a line whose name is not
// a token or whose value holds a control character is left out),
// Content-Length and Connection: close, then body. A 1xx, 204 or 304
// response has neither Content-Length nor body (RFC 9110 §8.6, RFC 9112
// §6.3): body is left out. An event-loop driver answers a request that is
// not a WebSocket upgrade with it.
func AppendHTTPResponse(dst []byte, status int, header []HeaderField, body []byte) []byte {
	dst = append(dst, "HTTP/1.1 "...)
	dst = strconv.AppendInt(dst, int64(status), 10)
	dst = append(dst, ' ')
	dst = append(dst, statusText(status)...)
	dst = append(dst, "\r\n"...)
	for _, f := range header {
		if asciiEqualFold(f.Name, "Content-Length") || asciiEqualFold(f.Name, "Connection") || asciiEqualFold(f.Name, "Transfer-Encoding") {
			continue // ours
		}
		dst = appendHeaderLine(dst, f.Name, f.Value)
	}
	dst = append(dst, "Connection: close\r\n"...)
	if noContent(status) {
		return append(dst, "\r\n"...)
	}
	dst = append(dst, "Content-Length: "...)
	dst = strconv.AppendInt(dst, int64(len(body)), 10)
	dst = append(dst, "\r\n\r\n"...)
	return append(dst, body...)
}

// noContent reports whether a response with status has neither content
// nor Content-Length (RFC 9110 §8.6, RFC 9112 §6.3): 1xx, 204 and 304 (a
// 304 may carry the length its 200 would have, which is not known here).
func noContent(status int) bool {
	return status < 200 || status == 204 || status == 304
}

// headOnly returns the head of resp, an HTTP response that AppendReject
// or AppendHTTPResponse appended: the answer to a HEAD request, which has
// the same header lines, Content-Length included, but no content (RFC
// 9110 §9.3.2). The head ends at its first empty line: no header line
// holds a line break.
func headOnly(resp []byte) []byte {
	if i := bytes.Index(resp, crlfcrlf); i >= 0 {
		return resp[:i+len(crlfcrlf)]
	}
	return resp
}

// appendHeaderLine appends "name: value"; a line whose name is not a token
// or whose value holds a control character is left out, so that no value
// can split the response or smuggle a header.
func appendHeaderLine(dst, name, value []byte) []byte {
	if len(name) == 0 || !isToken(name) || !validValue(value) {
		return dst
	}
	dst = append(dst, name...)
	dst = append(dst, ": "...)
	dst = append(dst, value...)
	return append(dst, "\r\n"...)
}

// validValue reports whether v may be sent as a header field value: no
// control characters but HTAB (RFC 9110 §5.5).
func validValue[T string | []byte](v T) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; (c < ' ' && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}

func statusText(code int) string {
	switch code {
	case 200:
		return "OK"
	case 204:
		return "No Content"
	case 301:
		return "Moved Permanently"
	case 302:
		return "Found"
	case 304:
		return "Not Modified"
	case 401:
		return "Unauthorized"
	case 429:
		return "Too Many Requests"
	case 400:
		return "Bad Request"
	case 403:
		return "Forbidden"
	case 404:
		return "Not Found"
	case 405:
		return "Method Not Allowed"
	case 426:
		return "Upgrade Required"
	case 431:
		return "Request Header Fields Too Large"
	case 500:
		return "Internal Server Error"
	case 503:
		return "Service Unavailable"
	}
	return "Error"
}

// parseHeaders parses header lines (each ending in CRLF) into dst.
func parseHeaders(dst *[]HeaderField, b []byte, max int) error {
	for len(b) > 0 {
		var line []byte
		line, b = cutLine(b)
		if line == nil {
			return &HandshakeError{Status: 400, Reason: "header line without CRLF"}
		}
		if len(*dst) >= max {
			return &HandshakeError{Status: 431, Reason: "too many header lines"}
		}
		colon := bytes.IndexByte(line, ':')
		if colon <= 0 || !isToken(line[:colon]) {
			return &HandshakeError{Status: 400, Reason: "malformed header line"}
		}
		*dst = append(*dst, HeaderField{Name: line[:colon], Value: trimOWS(line[colon+1:])})
	}
	return nil
}

// cutLine splits b after the first CRLF; line is nil when there is none.
func cutLine(b []byte) (line, rest []byte) {
	i := bytes.Index(b, []byte("\r\n"))
	if i < 0 {
		return nil, b
	}
	return b[:i:i], b[i+2:]
}

// tokenChar marks the bytes allowed in an HTTP token (RFC 9110 §5.6.2).
var tokenChar = func() (t [256]bool) {
	for c := '!'; c <= '~'; c++ {
		t[c] = true
	}
	for _, c := range `"(),/:;<=>?@[\]{}` {
		t[c] = false
	}
	return t
}()

func isToken(b []byte) bool {
	for _, c := range b {
		if !tokenChar[c] {
			return false
		}
	}
	return true
}

func trimOWS(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

// hasToken reports whether the comma-separated list v holds token
// (case-insensitive).
func hasToken(v []byte, token string) bool {
	for len(v) > 0 {
		var t []byte
		if i := bytes.IndexByte(v, ','); i >= 0 {
			t, v = v[:i], v[i+1:]
		} else {
			t, v = v, nil
		}
		if asciiEqualFold(trimOWS(t), token) {
			return true
		}
	}
	return false
}

func splitTokens(dst [][]byte, v []byte) [][]byte {
	for len(v) > 0 {
		var t []byte
		if i := bytes.IndexByte(v, ','); i >= 0 {
			t, v = v[:i], v[i+1:]
		} else {
			t, v = v, nil
		}
		if t = trimOWS(t); len(t) > 0 {
			dst = append(dst, t)
		}
	}
	return dst
}

func asciiEqualFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := 0; i < len(b); i++ {
		c, d := b[i], s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if 'A' <= d && d <= 'Z' {
			d += 'a' - 'A'
		}
		if c != d {
			return false
		}
	}
	return true
}
