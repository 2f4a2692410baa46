package ws

import "strconv"

// Opcode is a frame opcode (RFC 6455 §5.2, §11.8).
type Opcode byte

// Opcodes defined by RFC 6455 §5.2. The others are reserved and fail the
// connection with StatusProtocolError.
const (
	OpContinuation Opcode = 0x0
	OpText         Opcode = 0x1
	OpBinary       Opcode = 0x2
	OpClose        Opcode = 0x8
	OpPing         Opcode = 0x9
	OpPong         Opcode = 0xA
)

// IsControl reports whether op is a control opcode (§5.5).
func (op Opcode) IsControl() bool { return op&0x8 != 0 }

// IsReserved reports whether op is one of the reserved opcodes 0x3-0x7 and 0xB-0xF.
func (op Opcode) IsReserved() bool {
	return (op >= 0x3 && op <= 0x7) || op >= 0xB
}

// String returns the opcode's name ("text", "binary", "close", …).
func (op Opcode) String() string {
	switch op {
	case OpContinuation:
		return "continuation"
	case OpText:
		return "text"
	case OpBinary:
		return "binary"
	case OpClose:
		return "close"
	case OpPing:
		return "ping"
	case OpPong:
		return "pong"
	}
	return "opcode(" + strconv.Itoa(int(op)) + ")"
}

// StatusCode is a close status code (RFC 6455 §7.4, IANA registry).
type StatusCode uint16

// Close status codes with their RFC 6455 §7.4.1 names (and the later IANA
// registrations 1012-1014).
const (
	StatusNormalClosure           StatusCode = 1000
	StatusGoingAway               StatusCode = 1001
	StatusProtocolError           StatusCode = 1002
	StatusUnsupportedData         StatusCode = 1003
	StatusNoStatusReceived        StatusCode = 1005 // never on the wire
	StatusAbnormalClosure         StatusCode = 1006 // never on the wire
	StatusInvalidFramePayloadData StatusCode = 1007
	StatusPolicyViolation         StatusCode = 1008
	StatusMessageTooBig           StatusCode = 1009
	StatusMandatoryExtension      StatusCode = 1010
	StatusInternalError           StatusCode = 1011
	StatusServiceRestart          StatusCode = 1012
	StatusTryAgainLater           StatusCode = 1013
	StatusBadGateway              StatusCode = 1014
	StatusTLSHandshake            StatusCode = 1015 // never on the wire
)

// ValidOnWire reports whether a peer may send code in a close frame
// (§7.4.1, §7.4.2): the defined codes except 1004-1006 and 1015, and the
// application ranges 3000-4999.
func (c StatusCode) ValidOnWire() bool {
	switch {
	case c >= 1000 && c <= 1003, c >= 1007 && c <= 1014:
		return true
	case c >= 3000 && c <= 4999:
		return true
	}
	return false
}

// statusNames are the String forms of the defined codes, built once so
// that String allocates nothing for them (it is called on hot close paths
// and in logs).
var statusNames = func() map[StatusCode]string {
	names := map[StatusCode]string{
		1000: "NormalClosure", 1001: "GoingAway", 1002: "ProtocolError", 1003: "UnsupportedData",
		1005: "NoStatusReceived", 1006: "AbnormalClosure", 1007: "InvalidFramePayloadData",
		1008: "PolicyViolation", 1009: "MessageTooBig", 1010: "MandatoryExtension",
		1011: "InternalError", 1012: "ServiceRestart", 1013: "TryAgainLater", 1014: "BadGateway",
		1015: "TLSHandshake",
	}
	for c, n := range names {
		names[c] = n + "(" + strconv.Itoa(int(c)) + ")"
	}
	return names
}()

// String returns the code's name and number, e.g. "GoingAway(1001)".
// It allocates only for codes without a name.
func (c StatusCode) String() string {
	if n, ok := statusNames[c]; ok {
		return n
	}
	return "StatusCode(" + strconv.Itoa(int(c)) + ")"
}
