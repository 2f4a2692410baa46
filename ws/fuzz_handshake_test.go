package ws

import (
	"errors"
	"math/rand/v2"
	"net/textproto"
	"net/url"
	"path"
	"slices"
	"strings"
	"testing"
	stdutf8 "unicode/utf8"

	"github.com/autobahn-go/autobahn/ws/internal/authority"
)

// FuzzConnectRequest: a request head ParseRequest takes goes through the
// server's whole decision path without a panic, and the paths agree:
// CheckRequest and CheckHTTP (the same rules, on net/http's view of the
// head) give the same answer; ConnectRequest's Get, Values and Header
// agree with the parsed fields; Negotiate refuses with a *HandshakeError
// or accepts only what the client offered, an origin only as CheckOrigin
// documents; and the 101 response it leads to passes our own client's
// CheckResponse.
func FuzzConnectRequest(f *testing.F) {
	f.Add([]byte(sampleRequest), "")
	f.Add([]byte("GET /chat?x=1 HTTP/1.1\r\nHost: a.com\r\nUpgrade: websocket\r\nConnection: keep-alive, Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nOrigin: https://b.com\r\nSec-WebSocket-Protocol: chat, x\r\nSec-WebSocket-Extensions: x-test-rle; min=3\r\nx-twice: a\r\nX-Twice: b\r\n\r\n"), "*.com")
	f.Add([]byte("GET / HTTP/1.1\r\nHost: A.com:80\r\nupgrade: WebSocket\r\nconnection: upgrade\r\nsec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\nsec-websocket-version: 13\r\norigin: http://a.COM:80\r\n\r\n"), "")
	f.Add([]byte("GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\nSec-WebSocket-Extensions: x-test-rle; bad=1\r\n\r\n"), "a")
	f.Add([]byte("POST / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: AAAA\r\nSec-WebSocket-Version: 13\r\n\r\n"), "")
	f.Add([]byte("GET / HTTP/1.0\r\nUpgrade: websocket\r\n\r\n"), "[")
	f.Fuzz(func(t *testing.T, b []byte, allowed string) {
		var req Request
		n, err := ParseRequest(&req, b, HandshakeLimits{MaxHeaders: 32})
		if err != nil || n == 0 {
			var he *HandshakeError
			if err != nil && !errors.As(err, &he) {
				t.Fatalf("error %T %v", err, err)
			}
			return
		}
		// net/http's view of the head: canonical names, Host apart.
		hdr := map[string][]string{}
		for _, f := range req.Header {
			k := textproto.CanonicalMIMEHeaderKey(string(f.Name))
			hdr[k] = append(hdr[k], string(f.Value))
		}
		errReq := CheckRequest(&req)
		if req.Host != nil && !req.http10 {
			// net/http answers a malformed Host 400 itself, before
			// the handler (and CheckHTTP) sees the request.
			var errHTTP error = &HandshakeError{Status: 400, Reason: "malformed Host header"}
			if authority.Valid(req.Host) {
				errHTTP = CheckHTTP(string(req.Method), func(name string) []string { return hdr[name] })
			}
			if (errReq == nil) != (errHTTP == nil) || (errReq != nil && errReq.(*HandshakeError).Status != errHTTP.(*HandshakeError).Status) {
				t.Fatalf("CheckRequest %v, CheckHTTP %v", errReq, errHTTP)
			}
		}
		if errReq != nil {
			return
		}

		cr := NewConnectRequest(&req, nil)
		if cr.Target != string(req.Target) || cr.Host != string(req.Host) || cr.Origin != string(req.Origin) {
			t.Fatalf("target %q host %q origin %q", cr.Target, cr.Host, cr.Origin)
		}
		all := cr.Header()
		for _, f := range req.Header {
			name := string(f.Name)
			vs := cr.Values(name)
			if !slices.Equal(vs, all[textproto.CanonicalMIMEHeaderKey(name)]) || !slices.Equal(vs, hdr[textproto.CanonicalMIMEHeaderKey(name)]) {
				t.Fatalf("%q: Values %q, Header %q", name, vs, all[textproto.CanonicalMIMEHeaderKey(name)])
			}
			if cr.Get(name) != vs[0] {
				t.Fatalf("%q: Get %q, Values %q", name, cr.Get(name), vs)
			}
		}
		offered := slices.Clone(cr.Protocols)

		opts := &Options{AllowedOrigins: []string{allowed}, Subprotocols: []string{"chat", "x"}, Extensions: []Extension{testExt{}}}
		acc, err := Negotiate(cr, BaseHandler{}, opts)
		if err != nil {
			var he *HandshakeError
			if !errors.As(err, &he) || he.Status < 400 || he.Status > 599 {
				t.Fatalf("Negotiate: %T %v", err, err)
			}
			return
		}
		if o := string(req.Origin); o != "" {
			u, perr := url.Parse(o)
			// "*" allows every origin, also one url.Parse cannot read.
			ok := allowed == "*" || perr == nil && strings.EqualFold(u.Host, string(req.Host))
			if perr == nil && !ok {
				ok, _ = path.Match(strings.ToLower(allowed), strings.ToLower(u.Host))
			}
			if !ok {
				t.Fatalf("origin %q accepted for host %q, allowed %q", o, req.Host, allowed)
			}
		}
		if acc.Protocol != "" && !slices.Contains(offered, acc.Protocol) {
			t.Fatalf("chose %q, offered %q", acc.Protocol, offered)
		}

		// Our client takes what our server answers.
		out := AppendResponse(nil, &req, acc.Protocol, acc.Extensions, nil)
		var resp Response
		if n, err := ParseResponse(&resp, out, HandshakeLimits{}); err != nil || n != len(out) {
			t.Fatalf("own response %q: %d %v", out, n, err)
		}
		neg, err := CheckResponse(&resp, string(req.Key), offered, []Extension{testExt{}})
		if err != nil {
			t.Fatalf("own response %q: %v", out, err)
		}
		if neg.Subprotocol != acc.Protocol || (neg.Codec != nil) != (acc.Codec != nil) {
			t.Fatalf("client sees %q %v, server chose %q %v", neg.Subprotocol, neg.Codec, acc.Protocol, acc.Codec)
		}
	})
}

// FuzzParserConfig is FuzzParser for every configuration: either role
// (a client's Parser reads unmasked frames), reserved bits allowed,
// UTF-8 checks off, frame and message limits. How the input is cut must
// not change what comes out, and no message may pass a limit.
func FuzzParserConfig(f *testing.F) {
	f.Add(cat(frame(OpText, false, 0, false, []byte("ab")), frame(OpPing, true, 0, false, nil), frame(OpContinuation, true, 0, false, []byte("\xce\xba"))), uint64(1), byte(1), uint16(0))
	f.Add(frame(OpClose, true, 0, false, []byte("\x03\xe8bye")), uint64(2), byte(1), uint16(0))
	f.Add(frame(OpBinary, true, 4, false, make([]byte, 300)), uint64(3), byte(1|2), uint16(100))
	f.Add(frame(OpText, true, 4, true, []byte("\xff")), uint64(4), byte(2|4), uint16(0))
	f.Add(cat(frame(OpText, false, 0, true, []byte("abc")), frame(OpContinuation, true, 0, true, []byte("def"))), uint64(5), byte(0), uint16(4))
	f.Add(frame(OpPong, true, 0, false, make([]byte, 126)), uint64(6), byte(1), uint16(0))
	f.Fuzz(func(t *testing.T, in []byte, seed uint64, flags byte, limit uint16) {
		cfg := ParserConfig{Role: RoleServer, SkipUTF8: flags&4 != 0}
		if flags&1 != 0 {
			cfg.Role = RoleClient
		}
		if flags&2 != 0 {
			cfg.AllowedRsv = Rsv1
		}
		if limit != 0 {
			cfg.MaxFramePayload = int64(limit)
			cfg.MaxMessagePayload = int64(limit) * int64(1+flags>>4)
		}
		ref := run(cfg, in, whole)
		rng := rand.New(rand.NewPCG(seed, 11))
		got := run(cfg, in, func(rest int) int { return 1 + rng.IntN(rest) })
		if (ref.err == nil) != (got.err == nil) || !equal(ref.msgs, got.msgs) {
			t.Fatalf("chunking changed the result: %q %v vs %q %v", ref.msgs, ref.err, got.msgs, got.err)
		}
		if got.err != nil {
			var pe *ProtocolError
			if !errors.As(got.err, &pe) || !pe.Code.ValidOnWire() {
				t.Fatalf("error %T %v", got.err, got.err)
			}
		}
		for _, m := range got.msgs {
			kind, body, _ := strings.Cut(m, ":")
			switch kind {
			case "t", "b":
				if cfg.MaxMessagePayload > 0 && int64(len(body)) > cfg.MaxMessagePayload {
					t.Fatalf("%d-byte message past the limit %d", len(body), cfg.MaxMessagePayload)
				}
				// (a message with an extension's RSV bit is checked
				// once decoded, by the Conn)
				if kind == "t" && !cfg.SkipUTF8 && cfg.AllowedRsv == 0 && !stdutf8.ValidString(body) {
					t.Fatalf("invalid text passed: %q", body)
				}
			case "ping", "pong":
				if len(body) > 125 {
					t.Fatalf("%d-byte control frame", len(body))
				}
			}
		}
	})
}
