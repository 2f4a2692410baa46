// Package authority checks the syntax of an HTTP Host header for the
// servers of ws: the bytes of an authority (RFC 3986 3.2), as net/http
// takes them, so that every driver refuses the same malformed Host.
package authority

// Valid reports whether host has only the bytes of an authority
// (unreserved, pct-encoded, sub-delims, ':', '@', an IP-literal's
// brackets), and '/' and '?', which net/http lets pass too. An empty host
// is valid (an HTTP/1.1 request may carry an empty Host).
func Valid(host []byte) bool {
	for _, b := range host {
		if !hostByte[b] {
			return false
		}
	}
	return true
}

var hostByte = func() (t [256]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c], t[c-'a'+'A'] = true, true
	}
	for _, c := range "-._~%!$&'()*+,;=:@[]/?" {
		t[c] = true
	}
	return t
}()
