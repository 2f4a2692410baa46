package ws

import (
	"errors"
	"strings"
)

// Extensions (RFC 6455 §9). A per-message extension such as
// permessage-deflate (RFC 7692) is configured as an Extension in
// Options.Extensions; the opening handshake negotiates it and gives the
// connection a Codec, which transforms every message whose first frame
// carries the extension's RSV bit. The packages in ws/ext implement them;
// ws itself holds no compressor.

// ExtensionParam is one parameter of an extension offer or answer. Value
// is "" for a parameter without a value (e.g. server_no_context_takeover).
type ExtensionParam struct {
	Name  string
	Value string
}

// ExtensionOffer is one element of a Sec-WebSocket-Extensions header: an
// extension name and its parameters, e.g.
// "permessage-deflate; client_max_window_bits=10".
type ExtensionOffer struct {
	Name   string
	Params []ExtensionParam
}

// Param returns the value of the parameter name and whether it is present.
func (o ExtensionOffer) Param(name string) (string, bool) {
	for _, p := range o.Params {
		if strings.EqualFold(p.Name, name) {
			return p.Value, true
		}
	}
	return "", false
}

// String formats o as in a Sec-WebSocket-Extensions header.
func (o ExtensionOffer) String() string {
	var b strings.Builder
	b.WriteString(o.Name)
	for _, p := range o.Params {
		b.WriteString("; ")
		b.WriteString(p.Name)
		if p.Value != "" {
			b.WriteByte('=')
			if isTokenString(p.Value) {
				b.WriteString(p.Value)
			} else {
				b.WriteByte('"')
				for i := 0; i < len(p.Value); i++ {
					if c := p.Value[i]; c == '"' || c == '\\' {
						b.WriteByte('\\')
					}
					b.WriteByte(p.Value[i])
				}
				b.WriteByte('"')
			}
		}
	}
	return b.String()
}

// FormatExtensions joins offers into one Sec-WebSocket-Extensions value.
func FormatExtensions(offers []ExtensionOffer) string {
	s := make([]string, len(offers))
	for i, o := range offers {
		s[i] = o.String()
	}
	return strings.Join(s, ", ")
}

// ErrBadExtensions is returned for a Sec-WebSocket-Extensions header that
// does not follow the grammar of RFC 6455 §9.1.
var ErrBadExtensions = errors.New("ws: malformed Sec-WebSocket-Extensions")

// ParseExtensions parses the values of one or more Sec-WebSocket-Extensions
// headers (RFC 6455 §9.1: a comma list of extensions, each a token with
// ";"-separated parameters whose values are tokens or quoted strings).
// Names are kept as written; compare them case-insensitively. At most
// maxExtensionElements elements are accepted.
func ParseExtensions(values []string) ([]ExtensionOffer, error) {
	var out []ExtensionOffer
	for _, v := range values {
		s := v
		for {
			s = skipSpace(s)
			if s == "" {
				break
			}
			if s[0] == ',' { // empty list elements are allowed (#rule)
				s = s[1:]
				continue
			}
			if len(out) == maxExtensionElements {
				return nil, ErrBadExtensions
			}
			var o ExtensionOffer
			var ok bool
			if o.Name, s, ok = cutToken(s); !ok {
				return nil, ErrBadExtensions
			}
			for {
				s = skipSpace(s)
				if s == "" || s[0] == ',' {
					break
				}
				if s[0] != ';' {
					return nil, ErrBadExtensions
				}
				s = skipSpace(s[1:])
				var p ExtensionParam
				if p.Name, s, ok = cutToken(s); !ok {
					return nil, ErrBadExtensions
				}
				s = skipSpace(s)
				if s != "" && s[0] == '=' {
					s = skipSpace(s[1:])
					if s != "" && s[0] == '"' {
						if p.Value, s, ok = cutQuoted(s); !ok {
							return nil, ErrBadExtensions
						}
					} else if p.Value, s, ok = cutToken(s); !ok {
						return nil, ErrBadExtensions
					}
				}
				if len(o.Params) == maxExtensionParams {
					return nil, ErrBadExtensions
				}
				o.Params = append(o.Params, p)
			}
			out = append(out, o)
		}
	}
	return out, nil
}

const (
	maxExtensionElements = 32
	maxExtensionParams   = 16
)

func skipSpace(s string) string {
	for s != "" && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	return s
}

func cutToken(s string) (tok, rest string, ok bool) {
	i := 0
	for i < len(s) && isTokenByte(s[i]) {
		i++
	}
	return s[:i], s[i:], i > 0
}

// cutQuoted reads a quoted-string; RFC 6455 §9.1 requires its content to
// be a token once unescaped.
func cutQuoted(s string) (val, rest string, ok bool) {
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch c := s[i]; c {
		case '"':
			v := b.String()
			return v, s[i+1:], isTokenString(v)
		case '\\':
			i++
			if i == len(s) {
				return "", "", false
			}
			b.WriteByte(s[i])
		default:
			b.WriteByte(c)
		}
	}
	return "", "", false
}

func isTokenString(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isTokenByte(s[i]) {
			return false
		}
	}
	return s != ""
}

func isTokenByte(c byte) bool { return tokenChar[c] }

// Extension negotiates one per-message extension. Configure it in
// Options.Extensions on either side; implementations must be safe for
// concurrent use (one Extension serves every connection of a server).
type Extension interface {
	// Name is the extension token, e.g. "permessage-deflate".
	Name() string
	// Offers returns what a client offers, most preferred first; each
	// becomes one element of the request's Sec-WebSocket-Extensions.
	Offers() []ExtensionOffer
	// Accept runs on a server with the client's offers of this extension,
	// in the client's order of preference. It returns the answer for the
	// response header and the connection's Codec, or ok == false to
	// decline every offer. An error refuses the handshake (HTTP 400).
	Accept(offers []ExtensionOffer) (answer ExtensionOffer, codec Codec, ok bool, err error)
	// Accepted runs on a client with the server's answer (whose name is
	// Name()). It checks the answer against what was offered and returns
	// the connection's Codec; an error fails the handshake.
	Accepted(answer ExtensionOffer) (Codec, error)
}

// Codec is the per-connection state of a negotiated per-message extension.
// A Conn calls the encoding methods for one message at a time (never
// concurrently), and the decoding method from its reading goroutine, so
// the two directions may be used at the same time by two goroutines.
type Codec interface {
	// Rsv is the RSV bit the extension sets on a message's first frame
	// (Rsv1 for compression).
	Rsv() byte
	// Encodes reports whether an outgoing message of type op and n bytes
	// (n < 0: not known in advance, the message is streamed) is to be
	// encoded; a codec may send small messages as they are.
	Encodes(op Opcode, n int) bool
	// Encode appends the encoded form of p, the next piece of the message
	// being sent, to dst. final is set on the message's last piece (p may
	// then be empty): the codec must then finish the message.
	Encode(dst, p []byte, final bool) ([]byte, error)
	// Decode appends the decoded form of p, the next piece of a received
	// message that carries Rsv(), to dst; final is set on its last piece.
	// It must not append more than limit bytes in one call (limit < 0: no
	// limit): once more would be produced it returns an error matching
	// ErrMessageTooBig, having appended at most limit plus one internal
	// chunk. Corrupt input returns another error.
	Decode(dst, p []byte, final bool, limit int64) ([]byte, error)
}

// SharedCodec is implemented by codecs whose encoding of a message does not
// depend on earlier messages (no context takeover): a PreparedMessage then
// encodes once for every connection whose codec reports the same key.
type SharedCodec interface {
	Codec
	// ShareKey identifies the encoding: equal keys mean equal output for
	// equal input. "" means the codec cannot share right now.
	ShareKey() string
}

// Negotiated is what an opening handshake settled for a connection.
type Negotiated struct {
	Subprotocol string
	// Extensions is the Sec-WebSocket-Extensions value the server answered
	// ("" for none).
	Extensions string
	// Codec is the negotiated per-message extension, nil for none.
	Codec Codec
	// Data, if set, is the new Conn's Data (SetData): what the server's
	// OnConnect put in Accept.Data.
	Data any
}

// NegotiateExtensions runs the server side of extension negotiation for the
// raw Sec-WebSocket-Extensions request values: the first configured
// extension the client offers and accepts wins (one per-message extension
// per connection, since they all use RSV1). It returns the answer header
// value ("" for none) and the Codec. A malformed header is an error (400).
// A panic of an Extension's Accept goes on to the caller (Negotiate, a
// server driver's step, contains it: see Options.PanicCrash).
func NegotiateExtensions(values []string, exts []Extension) (string, Codec, error) {
	return negotiateExtensions(values, exts, nil)
}

// negotiateExtensions is NegotiateExtensions calling each Extension's
// Accept through accept, if not nil (Negotiate's, which contains a panic).
func negotiateExtensions(values []string, exts []Extension, accept func(Extension, []ExtensionOffer) (ExtensionOffer, Codec, bool, error)) (string, Codec, error) {
	if accept == nil {
		accept = Extension.Accept
	}
	if len(exts) == 0 || len(values) == 0 {
		return "", nil, nil
	}
	offers, err := ParseExtensions(values)
	if err != nil {
		return "", nil, &HandshakeError{Status: 400, Reason: err.Error()}
	}
	for _, e := range exts {
		var mine []ExtensionOffer
		for _, o := range offers {
			if strings.EqualFold(o.Name, e.Name()) {
				mine = append(mine, o)
			}
		}
		if len(mine) == 0 {
			continue
		}
		ans, codec, ok, err := accept(e, mine)
		if err != nil {
			var he *HandshakeError
			if errors.As(err, &he) {
				return "", nil, err
			}
			return "", nil, &HandshakeError{Status: 400, Reason: err.Error()}
		}
		if ok {
			if ans.Name == "" {
				ans.Name = e.Name()
			}
			return ans.String(), codec, nil
		}
	}
	return "", nil, nil
}

// offerExtensions is the client's Sec-WebSocket-Extensions value.
func offerExtensions(exts []Extension) string {
	var all []ExtensionOffer
	for _, e := range exts {
		all = append(all, e.Offers()...)
	}
	return FormatExtensions(all)
}

// acceptedExtensions checks the server's answer on the client side: every
// answered extension must be one we offered, at most one, and accepted by
// its Extension.
func acceptedExtensions(value []byte, exts []Extension) (Codec, error) {
	if len(value) == 0 {
		return nil, nil
	}
	answers, err := ParseExtensions([]string{string(value)})
	if err != nil {
		return nil, err
	}
	if len(answers) == 0 {
		return nil, nil
	}
	if len(answers) > 1 {
		return nil, errors.New("server answered more than one extension")
	}
	for _, e := range exts {
		if strings.EqualFold(answers[0].Name, e.Name()) {
			return e.Accepted(answers[0])
		}
	}
	return nil, errors.New("server chose an extension that was not offered")
}
