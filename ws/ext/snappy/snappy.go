package snappy

import (
	"encoding/binary"
	"errors"
	"hash/crc32"
	"slices"

	"github.com/klauspost/compress/snappy"

	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/ext/internal/extutil"
)

// Name is the extension token Autobahn|Python uses.
const Name = "permessage-snappy"

const (
	paramServerNoContext = "server_no_context_takeover"
	paramClientNoContext = "client_no_context_takeover"
)

// DefaultThreshold is the default of Options.Threshold.
const DefaultThreshold = 128

// Options configure permessage-snappy.
type Options struct {
	// Threshold is the size below which messages are sent uncompressed
	// (default 128 bytes; negative: compress every message).
	Threshold int
	// ServerNoContextTakeover: a client requests that the server start a
	// new snappy stream with every message; a server always does so.
	ServerNoContextTakeover bool
	// ClientNoContextTakeover: a server asks it of clients that accept it
	// (every client offer of this package does); a client always does so.
	ClientNoContextTakeover bool
}

// New returns permessage-snappy configured by o, for ws.Options.Extensions.
func New(o Options) ws.Extension {
	if o.Threshold == 0 {
		o.Threshold = DefaultThreshold
	}
	return &extension{o: o}
}

type extension struct{ o Options }

func (e *extension) Name() string { return Name }

// Offers says, as Autobahn does, that the client accepts
// client_no_context_takeover, and requests server_no_context_takeover if
// configured.
func (e *extension) Offers() []ws.ExtensionOffer {
	o := ws.ExtensionOffer{Name: Name, Params: []ws.ExtensionParam{{Name: paramClientNoContext}}}
	if e.o.ServerNoContextTakeover {
		o.Params = append(o.Params, ws.ExtensionParam{Name: paramServerNoContext})
	}
	return []ws.ExtensionOffer{o}
}

// parseParams checks an offer or answer: both parameters take no value
// and may appear once.
func parseParams(o ws.ExtensionOffer) (serverNCT, clientNCT bool, err error) {
	m, err := extutil.Params(o, paramServerNoContext, paramClientNoContext)
	if err != nil {
		return false, false, err
	}
	for name, v := range m {
		if v != "" {
			return false, false, errors.Join(extutil.ErrParam, errors.New(name+" takes no value"))
		}
	}
	_, serverNCT = m[paramServerNoContext]
	_, clientNCT = m[paramClientNoContext]
	return serverNCT, clientNCT, nil
}

// Accept takes the first offer with valid parameters. In an offer,
// client_no_context_takeover means the client accepts being asked for it.
func (e *extension) Accept(offers []ws.ExtensionOffer) (ws.ExtensionOffer, ws.Codec, bool, error) {
	for _, o := range offers {
		serverNCT, clientAccepts, err := parseParams(o)
		if err != nil {
			continue
		}
		ans := ws.ExtensionOffer{Name: Name}
		encNCT := serverNCT || e.o.ServerNoContextTakeover
		if encNCT {
			ans.Params = append(ans.Params, ws.ExtensionParam{Name: paramServerNoContext})
		}
		decNCT := clientAccepts && e.o.ClientNoContextTakeover
		if decNCT {
			ans.Params = append(ans.Params, ws.ExtensionParam{Name: paramClientNoContext})
		}
		return ans, &codec{threshold: e.o.Threshold, encNoContext: encNCT, decNoContext: decNCT}, true, nil
	}
	return ws.ExtensionOffer{}, nil, false, nil
}

// Accepted checks the server's answer: it must grant a requested
// server_no_context_takeover.
func (e *extension) Accepted(ans ws.ExtensionOffer) (ws.Codec, error) {
	serverNCT, clientNCT, err := parseParams(ans)
	if err != nil {
		return nil, err
	}
	if e.o.ServerNoContextTakeover && !serverNCT {
		return nil, errors.New("permessage-snappy: server did not grant server_no_context_takeover")
	}
	return &codec{threshold: e.o.Threshold, encNoContext: clientNCT || e.o.ClientNoContextTakeover, decNoContext: serverNCT}, nil
}

// Framing format (github.com/google/snappy framing_format.txt), as
// python-snappy's StreamCompressor writes it.
const (
	chunkCompressed   = 0x00
	chunkUncompressed = 0x01
	chunkPadding      = 0xfe
	chunkStreamID     = 0xff
	maxChunkData      = 65536 // uncompressed bytes per chunk
)

var streamID = []byte{chunkStreamID, 6, 0, 0, 's', 'N', 'a', 'P', 'p', 'Y'}

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// maskedCRC is the checksum of a chunk's uncompressed data.
func maskedCRC(p []byte) uint32 {
	c := crc32.Checksum(p, crcTable)
	return (c>>15 | c<<17) + 0xa282ead8
}

// ErrCorrupt is returned (and the connection closed with 1007) for a
// message that is not a valid snappy stream.
var ErrCorrupt = errors.New("permessage-snappy: corrupt stream")

// codec is the per-connection state. A snappy stream has no history
// between chunks: "context takeover" only means that one stream runs over
// all messages, so that only the first carries the stream identifier.
type codec struct {
	threshold    int
	encNoContext bool
	decNoContext bool
	sentID       bool // the stream identifier went out (context takeover)

	gotID bool   // the peer's stream identifier came in
	carry []byte // the start of a chunk cut by a piece boundary
	skip  int    // bytes of a skippable chunk still to skip
}

func (c *codec) Rsv() byte { return ws.Rsv1 }

func (c *codec) Encodes(op ws.Opcode, n int) bool { return n < 0 || n >= c.threshold }

// ShareKey: a new stream per message is the same for every connection;
// with context takeover, so is every message after the first.
func (c *codec) ShareKey() string {
	switch {
	case c.encNoContext:
		return "snappy/stream"
	case c.sentID:
		return "snappy/continued"
	}
	return ""
}

// Encode frames p in chunks of at most 64 KiB, compressed unless that
// saves less than 12.5 % (python-snappy's rule), after the stream
// identifier where a stream starts.
func (c *codec) Encode(dst, p []byte, final bool) ([]byte, error) {
	if !c.sentID {
		dst = append(dst, streamID...)
		c.sentID = true
	}
	for len(p) > 0 {
		k := min(len(p), maxChunkData)
		chunk := p[:k]
		p = p[k:]
		at := len(dst)
		room := snappy.MaxEncodedLen(k)
		dst = slices.Grow(dst, 8+room)
		data := snappy.Encode(dst[at+8:at+8+room], chunk)
		typ := byte(chunkCompressed)
		if 8*len(data) > 7*k {
			typ, data = chunkUncompressed, chunk
		}
		dst = dst[:at+8]
		dst[at] = typ
		n := len(data) + 4
		dst[at+1], dst[at+2], dst[at+3] = byte(n), byte(n>>8), byte(n>>16)
		binary.LittleEndian.PutUint32(dst[at+4:], maskedCRC(chunk))
		if typ == chunkCompressed {
			dst = dst[:at+8+len(data)] // already in place
		} else {
			dst = append(dst, data...)
		}
	}
	if final && c.encNoContext {
		c.sentID = false
	}
	return dst, nil
}

// Decode decodes every complete chunk of p at once (a chunk holds at most
// 64 KiB, checked against limit after each), keeping a chunk cut by the
// end of p for the next piece. A message must end on a chunk boundary,
// and a stream must start with the stream identifier.
func (c *codec) Decode(dst, p []byte, final bool, limit int64) ([]byte, error) {
	start := len(dst)
	in := p
	if len(c.carry) > 0 {
		c.carry = append(c.carry, p...)
		in = c.carry
	}
	var err error
	for err == nil && len(in) > 0 {
		if c.skip > 0 {
			n := min(c.skip, len(in))
			c.skip -= n
			in = in[n:]
			continue
		}
		if len(in) < 4 {
			break
		}
		typ, n := in[0], int(in[1])|int(in[2])<<8|int(in[3])<<16
		if !c.gotID && typ != chunkStreamID {
			err = errors.New("stream does not start with the stream identifier")
			break
		}
		switch {
		case typ == chunkStreamID:
			if n != 6 {
				err = errors.New("bad stream identifier")
				break
			}
			if len(in) < 10 {
				break
			}
			if string(in[4:10]) != "sNaPpY" {
				err = errors.New("bad stream identifier")
			}
			c.gotID = true
		case typ == chunkCompressed || typ == chunkUncompressed:
			if n < 4 || n > 4+snappy.MaxEncodedLen(maxChunkData) {
				err = errors.New("bad chunk length")
				break
			}
			if len(in) < 4+n {
				break
			}
			dst, err = decodeChunk(dst, typ, in[8:4+n], binary.LittleEndian.Uint32(in[4:]))
			if err == nil && limit >= 0 && int64(len(dst)-start) > limit {
				return dst, ws.ErrMessageTooBig
			}
		case typ >= 0x80: // skippable, padding included
			c.skip = n
			in = in[4:]
			continue
		default:
			err = errors.New("reserved unskippable chunk")
		}
		if err != nil || len(in) < 4+n {
			break
		}
		in = in[4+n:]
	}
	if err == nil && final && (len(in) > 0 || c.skip > 0) {
		err = errors.New("message ends inside a chunk")
	}
	if err != nil {
		return dst, errors.Join(ErrCorrupt, err)
	}
	if len(c.carry) > 0 { // in is what is left of it
		c.carry = c.carry[:copy(c.carry, in)]
	} else {
		c.carry = append(c.carry, in...)
	}
	if final {
		if cap(c.carry) > 64<<10 {
			c.carry = nil
		}
		if c.decNoContext {
			c.gotID = false
		}
	}
	return dst, nil
}

// decodeChunk appends the data of one chunk after checking its CRC.
func decodeChunk(dst []byte, typ byte, data []byte, crc uint32) ([]byte, error) {
	at := len(dst)
	if typ == chunkUncompressed {
		if len(data) > maxChunkData {
			return dst, errors.New("chunk too long")
		}
		dst = append(dst, data...)
	} else {
		n, err := snappy.DecodedLen(data)
		if err != nil || n > maxChunkData {
			return dst, errors.New("bad compressed chunk")
		}
		dst = extutil.Grow(dst, n)
		if _, err := snappy.DecodeStrict(dst[at:at+n], data); err != nil {
			return dst, err
		}
		dst = dst[:at+n]
	}
	if maskedCRC(dst[at:]) != crc {
		return dst[:at], errors.New("checksum mismatch")
	}
	return dst, nil
}
