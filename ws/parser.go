package ws

import (
	"encoding/binary"
	"sync"

	"github.com/autobahn-go/autobahn/utf8"
	"github.com/autobahn-go/autobahn/xor"
)

// Role says which end of the connection a Parser or Conn plays; it decides
// the masking rules (RFC 6455 §5.1).
type Role uint8

const (
	// RoleServer expects masked frames and sends unmasked ones.
	RoleServer Role = iota
	// RoleClient expects unmasked frames and sends masked ones.
	RoleClient
)

// EventKind says what a Parser event carries.
type EventKind uint8

// Event kinds.
const (
	EventNone  EventKind = iota // more input is needed
	EventData                   // a piece of a text or binary message
	EventPing                   // a ping frame, Payload is its application data
	EventPong                   // a pong frame
	EventClose                  // a valid close frame: Code and Reason are set
)

// Event is one thing the Parser found in its input. Payload aliases either
// the caller's input (unmasked in place) or the Parser's own buffer; it is
// valid until the next call to Parse.
type Event struct {
	Kind    EventKind
	Op      Opcode // for EventData: OpText or OpBinary, the message's opcode
	First   bool   // for EventData: first piece of the message
	Final   bool   // for EventData: last piece of the message
	Rsv     byte   // RSV bits of the message's first frame (for extensions)
	Payload []byte
	Code    StatusCode // for EventClose; StatusNoStatusReceived when empty
	Reason  []byte     // for EventClose, valid UTF-8
}

// ParserConfig holds the limits and the negotiated state a Parser enforces.
type ParserConfig struct {
	Role Role
	// MaxFramePayload and MaxMessagePayload fail the connection with
	// StatusMessageTooBig as soon as a header declares more; 0 means no limit.
	MaxFramePayload   int64
	MaxMessagePayload int64
	// AllowedRsv is the set of RSV bits negotiated extensions may use on the
	// first frame of a data message; any other set bit is a protocol error.
	AllowedRsv byte
	// SkipUTF8 turns off validation of text messages (for extensions that
	// transform the payload and validate after decoding).
	SkipUTF8 bool
}

// Parser is the sans-I/O frame decoder: bytes in, events out. It buffers at
// most a frame header and one control frame (125 bytes), never anything sized
// by a length the peer declared: data payloads, and control payloads that
// arrive whole, come back as slices of the input, unmasked in place. It
// checks every RFC 6455 framing rule and validates text messages across
// fragments, failing as soon as the bytes cannot be UTF-8. After an error
// the Parser stays failed.
//
// A Parser must not be used from more than one goroutine at a time.
type Parser struct {
	// Fields are ordered by size, without padding between small ones: a
	// Parser lives in every Conn.
	cfg ParserConfig

	frame     Header
	remaining int64
	maskPos   int
	msgLen    int64
	err       error
	// ctl collects a control frame's payload that arrives in pieces; it is
	// pooled and held only from then until the next call to Parse.
	ctl *[125]byte

	hdr       [MaxHeaderSize]byte
	hdrLen    uint8
	ctlLen    uint8
	inFrame   bool // header parsed, payload pending
	inMessage bool // a fragmented data message is in progress
	msgOp     Opcode
	msgRsv    byte
	msgFirst  bool // the next data event is the message's first
	utf8      utf8.Validator
}

// ctlPool holds Parser.ctl buffers.
var ctlPool = sync.Pool{New: func() any { return new([125]byte) }}

// NewParser returns a Parser with cfg.
func NewParser(cfg ParserConfig) *Parser {
	p := &Parser{}
	p.Reset(cfg)
	return p
}

// Reset makes p ready for a new connection with cfg.
func (p *Parser) Reset(cfg ParserConfig) {
	*p = Parser{cfg: cfg}
}

// idle reports whether p is between messages with nothing buffered and
// no error: its state is then that of a Reset Parser.
func (p *Parser) idle() bool {
	return !p.inFrame && !p.inMessage && p.hdrLen == 0 && p.err == nil
}

// wireLen is the payload length on the wire of the data message whose
// piece Parse returned last, as announced so far: its frames before, and
// all of the current frame, even what is still to come.
func (p *Parser) wireLen() int64 { return p.msgLen }

// release gives back the buffer of the last control frame's payload,
// which is no longer used.
func (p *Parser) release() {
	if p.ctl != nil {
		ctlPool.Put(p.ctl)
		p.ctl = nil
	}
}

// Err returns the error that failed the Parser, if any.
func (p *Parser) Err() error { return p.err }

// Parse consumes input from data and returns how many bytes it used and at
// most one event. Call it again with data[n:] until it returns EventNone
// with n == len(data); then feed it the next input. Parse modifies data in
// place (unmasking). An error is a *ProtocolError whose Code the connection
// should close with.
func (p *Parser) Parse(data []byte) (n int, ev Event, err error) {
	if p.err != nil {
		return 0, ev, p.err
	}
	if p.ctl != nil && !(p.inFrame && p.frame.Op.IsControl()) {
		// The last event's payload is no longer valid.
		ctlPool.Put(p.ctl)
		p.ctl = nil
	}
	for {
		if !p.inFrame {
			used, done, err := p.parseHeader(data[n:])
			n += used
			if err != nil {
				p.err = err
				return n, ev, err
			}
			if !done {
				return n, ev, nil
			}
			if p.frame.Length == 0 || !p.frame.Op.IsControl() {
				// Data frames, and empty control frames, may produce an
				// event at once.
				if e, ok, err := p.payload(nil); err != nil || ok {
					if err != nil {
						p.err = err
					}
					return n, e, err
				}
			}
		}
		if n == len(data) {
			return n, ev, nil
		}
		chunk := data[n:]
		if int64(len(chunk)) > p.remaining {
			chunk = chunk[:p.remaining]
		}
		n += len(chunk)
		e, ok, err := p.payload(chunk)
		if err != nil {
			p.err = err
			return n, e, err
		}
		if ok {
			return n, e, nil
		}
	}
}

// parseHeader collects and checks a frame header; done is false when data
// ran out first (the partial header is kept).
func (p *Parser) parseHeader(data []byte) (used int, done bool, err error) {
	var h Header
	var hn int
	if p.hdrLen == 0 {
		h, hn, err = ParseHeader(data)
		if err != nil {
			return 0, false, err
		}
		if hn == 0 {
			p.hdrLen = uint8(copy(p.hdr[:], data))
			return len(data), false, nil
		}
		used = hn
	} else {
		prev := int(p.hdrLen)
		c := copy(p.hdr[prev:], data)
		h, hn, err = ParseHeader(p.hdr[:prev+c])
		if err != nil {
			return 0, false, err
		}
		if hn == 0 {
			p.hdrLen += uint8(c)
			return c, false, nil
		}
		used = hn - prev
		p.hdrLen = 0
	}
	if err := p.check(h); err != nil {
		return used, false, err
	}
	p.frame = h
	p.remaining = h.Length
	p.maskPos = 0
	p.inFrame = true
	p.ctlLen = 0
	return used, true, nil
}

// check applies the header rules of §5.2-§5.5 and the configured limits.
func (p *Parser) check(h Header) error {
	if h.Op.IsReserved() {
		return protoErr("reserved opcode " + h.Op.String())
	}
	if p.cfg.Role == RoleServer && !h.Masked {
		return protoErr("unmasked client frame")
	}
	if p.cfg.Role == RoleClient && h.Masked {
		return protoErr("masked server frame")
	}
	if h.Op.IsControl() {
		if h.Rsv != 0 {
			return protoErr("RSV bits on a control frame")
		}
		if !h.Fin {
			return protoErr("fragmented control frame")
		}
		if h.Length > 125 {
			return protoErr("control frame payload over 125 bytes")
		}
		if h.Op == OpClose && h.Length == 1 {
			return protoErr("close frame with a 1-byte payload")
		}
		return nil
	}
	switch {
	case h.Op == OpContinuation && !p.inMessage:
		return protoErr("continuation frame outside a fragmented message")
	case h.Op != OpContinuation && p.inMessage:
		return protoErr("new data frame inside a fragmented message")
	case h.Op == OpContinuation && h.Rsv != 0:
		return protoErr("RSV bits on a continuation frame")
	case h.Rsv&^p.cfg.AllowedRsv != 0:
		return protoErr("RSV bits without a negotiated extension")
	}
	if p.cfg.MaxFramePayload > 0 && h.Length > p.cfg.MaxFramePayload {
		return tooBigErr("frame payload over the limit")
	}
	msgLen := h.Length
	if h.Op == OpContinuation {
		msgLen += p.msgLen
	}
	if p.cfg.MaxMessagePayload > 0 && msgLen > p.cfg.MaxMessagePayload {
		return tooBigErr("message payload over the limit")
	}
	if h.Op != OpContinuation {
		p.inMessage = true
		p.msgOp = h.Op
		p.msgRsv = h.Rsv
		p.msgFirst = true
		p.utf8.Reset()
	}
	p.msgLen = msgLen
	return nil
}

// payload takes the next chunk of the current frame's payload (nil at the
// start of a data frame) and returns an event when there is one.
func (p *Parser) payload(chunk []byte) (ev Event, ok bool, err error) {
	h := &p.frame
	if h.Masked && len(chunk) > 0 {
		p.maskPos = xor.Mask(chunk, h.Key, p.maskPos)
	}
	p.remaining -= int64(len(chunk))
	last := p.remaining == 0
	if last {
		p.inFrame = false
	}
	if h.Op.IsControl() {
		if last && p.ctlLen == 0 {
			return p.control(chunk) // all in this input: no copy
		}
		if p.ctl == nil {
			p.ctl = ctlPool.Get().(*[125]byte)
		}
		p.ctlLen += uint8(copy(p.ctl[p.ctlLen:], chunk))
		if !last {
			return ev, false, nil
		}
		return p.control(p.ctl[:p.ctlLen])
	}
	// A data frame: report every non-empty chunk, and the end of the message
	// even when it is empty.
	final := last && h.Fin
	if len(chunk) == 0 && !final && !(p.msgFirst && h.Length == 0 && last) {
		return ev, false, nil
	}
	if p.msgOp == OpText && !p.cfg.SkipUTF8 && p.cfg.AllowedRsv&p.msgRsv == 0 {
		if !p.utf8.Write(chunk) {
			return ev, false, utf8Err("invalid UTF-8 in a text message")
		}
		if final && !p.utf8.Done() {
			return ev, false, utf8Err("text message ends inside a UTF-8 sequence")
		}
	}
	ev = Event{Kind: EventData, Op: p.msgOp, First: p.msgFirst, Final: final, Rsv: p.msgRsv, Payload: chunk}
	p.msgFirst = false
	if final {
		p.inMessage = false // msgLen stays, for wireLen, until the next message
	}
	return ev, true, nil
}

func (p *Parser) control(payload []byte) (ev Event, ok bool, err error) {
	switch p.frame.Op {
	case OpPing:
		return Event{Kind: EventPing, Payload: payload}, true, nil
	case OpPong:
		return Event{Kind: EventPong, Payload: payload}, true, nil
	}
	ev = Event{Kind: EventClose, Payload: payload, Code: StatusNoStatusReceived}
	if len(payload) >= 2 {
		ev.Code = StatusCode(binary.BigEndian.Uint16(payload))
		if !ev.Code.ValidOnWire() {
			return ev, false, protoErr("invalid close code " + ev.Code.String())
		}
		ev.Reason = payload[2:]
		if !utf8.Valid(ev.Reason) {
			return ev, false, utf8Err("close reason is not UTF-8")
		}
	}
	return ev, true, nil
}
