package cbor

// UnmarshalGeneral is Unmarshal without the hot path (hot.go).
var UnmarshalGeneral = unmarshalWire
