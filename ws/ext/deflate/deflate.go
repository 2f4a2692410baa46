package deflate

import (
	"errors"
	"strconv"

	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/ext/internal/extutil"
)

// Name is the extension token of RFC 7692.
const Name = "permessage-deflate"

// Parameters of RFC 7692 §7.1.
const (
	paramServerNoContext = "server_no_context_takeover"
	paramClientNoContext = "client_no_context_takeover"
	paramServerBits      = "server_max_window_bits"
	paramClientBits      = "client_max_window_bits"
)

// Defaults of Options.
const (
	DefaultThreshold = 128
	DefaultLevel     = 1
)

// Options configure permessage-deflate. The zero value compresses every
// message of 128 bytes or more, with context takeover both ways and the
// full 32 KiB window.
type Options struct {
	// Threshold is the size below which messages are sent uncompressed
	// (default 128 bytes; negative: compress every message).
	Threshold int
	// Level (1–9, default 1) is the compress/flate-style level used for
	// messages compressed without context takeover at the full window.
	// With context takeover, or a smaller window, this side uses its own
	// small-window compressor, which has a single level.
	Level int
	// ServerNoContextTakeover: a client requests that the server compress
	// every message on its own (server_no_context_takeover); a server
	// always does so. It saves the server's compressor state and the
	// client's window, at the cost of ratio.
	ServerNoContextTakeover bool
	// ClientNoContextTakeover: a client promises to compress every message
	// on its own (client_no_context_takeover); a server asks that of every
	// client. It saves the client's compressor state and the server's
	// window.
	ClientNoContextTakeover bool
	// ServerMaxWindowBits (9–15, 0: 15) bounds the window of the server's
	// compressor: a client requests it (server_max_window_bits), a server
	// uses and answers it. Each bit halves or doubles the memory a
	// connection keeps for that direction. 8 is taken as 9, as zlib does:
	// zlib-based peers cannot compress with a 256-byte window, and some
	// (Autobahn|Python) fail the handshake when 8 is asked of them. A
	// server still honours a client that requests 8.
	ServerMaxWindowBits int
	// ClientMaxWindowBits (9–15, 0: 15) bounds the window of the client's
	// compressor: a client uses it and offers it (client_max_window_bits);
	// a server asks it of every client that offers client_max_window_bits.
	// 8 is taken as 9, as for ServerMaxWindowBits; a client still honours
	// a server that asks for 8.
	ClientMaxWindowBits int
}

func (o Options) normalized() Options {
	if o.Threshold == 0 {
		o.Threshold = DefaultThreshold
	}
	if o.Level == 0 {
		o.Level = DefaultLevel
	}
	o.Level = min(max(o.Level, 1), 9)
	o.ServerMaxWindowBits = windowBits(o.ServerMaxWindowBits)
	o.ClientMaxWindowBits = windowBits(o.ClientMaxWindowBits)
	return o
}

// windowBits is b, 0 meaning 15, within 9–15: what this side offers,
// requests or answers on its own is never 8 (see Options).
func windowBits(b int) int {
	if b == 0 {
		return 15
	}
	return min(max(b, 9), 15)
}

// New returns permessage-deflate configured by o, for
// ws.Options.Extensions of a client or a server. Out-of-range options are
// clamped to the nearest valid value (window bits to 9–15).
func New(o Options) ws.Extension { return &extension{o: o.normalized()} }

type extension struct{ o Options }

func (e *extension) Name() string { return Name }

// Offers returns the client's offer: what the options ask of the server,
// and client_max_window_bits, since this client honours whatever window
// the server asks for. An offer that requests server_max_window_bits is
// followed by one without it, for servers that cannot limit their window.
func (e *extension) Offers() []ws.ExtensionOffer {
	var base []ws.ExtensionParam
	if e.o.ServerNoContextTakeover {
		base = append(base, ws.ExtensionParam{Name: paramServerNoContext})
	}
	if e.o.ClientNoContextTakeover {
		base = append(base, ws.ExtensionParam{Name: paramClientNoContext})
	}
	cb := ws.ExtensionParam{Name: paramClientBits}
	if e.o.ClientMaxWindowBits < 15 {
		cb.Value = strconv.Itoa(e.o.ClientMaxWindowBits)
	}
	plain := ws.ExtensionOffer{Name: Name, Params: append(base[:len(base):len(base)], cb)}
	if e.o.ServerMaxWindowBits == 15 {
		return []ws.ExtensionOffer{plain}
	}
	sb := ws.ExtensionParam{Name: paramServerBits, Value: strconv.Itoa(e.o.ServerMaxWindowBits)}
	limited := ws.ExtensionOffer{Name: Name, Params: append(base[:len(base):len(base)], sb, cb)}
	return []ws.ExtensionOffer{limited, plain}
}

// params are the parameters of an offer or an answer. Window bits are 0
// when absent; clientBits is -1 for a client_max_window_bits offered
// without a value.
type params struct {
	serverNoContext, clientNoContext bool
	serverBits, clientBits           int
}

// parseParams checks o's parameters (RFC 7692 §7.1): known names, each at
// most once, no value on the *_no_context_takeover ones, window bits
// 8–15; client_max_window_bits may lack its value only in an offer.
func parseParams(o ws.ExtensionOffer, offer bool) (params, error) {
	m, err := extutil.Params(o, paramServerNoContext, paramClientNoContext, paramServerBits, paramClientBits)
	if err != nil {
		return params{}, err
	}
	var p params
	for name, v := range m {
		switch name {
		case paramServerNoContext, paramClientNoContext:
			if v != "" {
				return params{}, errors.Join(extutil.ErrParam, errors.New(name+" takes no value"))
			}
			if name == paramServerNoContext {
				p.serverNoContext = true
			} else {
				p.clientNoContext = true
			}
		case paramServerBits, paramClientBits:
			b, ok := extutil.Int(v, 8, 15)
			if v == "" && name == paramClientBits && offer {
				b, ok = -1, true
			}
			if !ok {
				return params{}, errors.Join(extutil.ErrParam, errors.New("bad "+name+" value "+strconv.Quote(v)))
			}
			if name == paramServerBits {
				p.serverBits = b
			} else {
				p.clientBits = b
			}
		}
	}
	return p, nil
}

// Accept takes the first offer this server can honour: one with valid
// parameters (RFC 7692 §5: an offer with unknown, repeated or malformed
// parameters is declined, not answered). The server honours every window
// and context takeover setting a client can request.
func (e *extension) Accept(offers []ws.ExtensionOffer) (ws.ExtensionOffer, ws.Codec, bool, error) {
	for _, o := range offers {
		p, err := parseParams(o, true)
		if err != nil {
			continue
		}
		ans, cfg := e.answer(p)
		return ans, newCodec(cfg), true, nil
	}
	return ws.ExtensionOffer{}, nil, false, nil
}

// answer builds the server's answer to an offer and the codec settings it
// implies.
func (e *extension) answer(p params) (ws.ExtensionOffer, config) {
	ans := ws.ExtensionOffer{Name: Name}
	cfg := config{threshold: e.o.Threshold, level: e.o.Level, encBits: e.o.ServerMaxWindowBits, decBits: 15}
	cfg.encNoContext = e.o.ServerNoContextTakeover || p.serverNoContext
	if cfg.encNoContext {
		ans.Params = append(ans.Params, ws.ExtensionParam{Name: paramServerNoContext})
	}
	// Asking the client for no context takeover when it offered it frees
	// the window this side would keep.
	cfg.decNoContext = e.o.ClientNoContextTakeover || p.clientNoContext
	if cfg.decNoContext {
		ans.Params = append(ans.Params, ws.ExtensionParam{Name: paramClientNoContext})
	}
	if p.serverBits > 0 {
		cfg.encBits = min(cfg.encBits, p.serverBits)
	}
	if p.serverBits > 0 || cfg.encBits < 15 {
		ans.Params = append(ans.Params, ws.ExtensionParam{Name: paramServerBits, Value: strconv.Itoa(cfg.encBits)})
	}
	if p.clientBits != 0 {
		cfg.decBits = e.o.ClientMaxWindowBits
		if p.clientBits > 0 {
			cfg.decBits = min(cfg.decBits, p.clientBits)
		}
		if cfg.decBits < 15 {
			ans.Params = append(ans.Params, ws.ExtensionParam{Name: paramClientBits, Value: strconv.Itoa(cfg.decBits)})
		}
	}
	return ans, cfg
}

// Accepted checks the server's answer against what this client offered:
// valid parameters, the context takeover it requested, a server window no
// larger than requested and a client window no larger than offered.
func (e *extension) Accepted(ans ws.ExtensionOffer) (ws.Codec, error) {
	p, err := parseParams(ans, false)
	if err != nil {
		return nil, err
	}
	if e.o.ServerNoContextTakeover && !p.serverNoContext {
		return nil, errors.New("permessage-deflate: server did not grant server_no_context_takeover")
	}
	if e.o.ServerMaxWindowBits < 15 && p.serverBits > e.o.ServerMaxWindowBits {
		return nil, errors.New("permessage-deflate: server_max_window_bits larger than requested")
	}
	if p.clientBits > e.o.ClientMaxWindowBits && e.o.ClientMaxWindowBits < 15 {
		return nil, errors.New("permessage-deflate: client_max_window_bits larger than offered")
	}
	cfg := config{
		threshold: e.o.Threshold, level: e.o.Level,
		encNoContext: e.o.ClientNoContextTakeover || p.clientNoContext,
		encBits:      e.o.ClientMaxWindowBits,
		decNoContext: p.serverNoContext,
		decBits:      15,
	}
	if p.clientBits > 0 {
		cfg.encBits = min(cfg.encBits, p.clientBits)
	}
	if p.serverBits > 0 {
		cfg.decBits = p.serverBits
	}
	return newCodec(cfg), nil
}
