// Package flatbuffers is the WAMP FlatBuffers serializer ("wamp.2.flatbuffers",
// RawSocket id 5), wire-compatible with Autobahn|Python 22.7.1.
//
// Each message is a FlatBuffers table (schema/wamp.fbs, the facts of
// Autobahn's schema written anew, with its provenance) inside a root table
// Message{msg_type, msg}; msg_type is the WAMP message code, which is what
// Autobahn writes and reads. Options and Details are not dicts but typed
// fields (acknowledge, exclude_me, timeout, receive_progress, roles and
// their features, …); args and kwargs are CBOR inside [ubyte] fields, as
// Autobahn carries them; a passthru Payload is a [ubyte] with enc_algo,
// enc_serializer and enc_key beside it.
//
//	var s flatbuffers.Serializer
//	b, err := s.AppendMessage(nil, &wamp.Publish{Request: 1, Topic: "com.example.t", Args: wamp.List{"hi"}})
//	m, err := s.Unmarshal(b)
//
// # What the schema carries
//
// Every message type of package wamp has a table. A dict key with a field
// round-trips; a key without one is not written (as Autobahn's own builders
// do), except the few whose true value changes what the message does
// (CALL/INVOCATION "progress", PUBLISH/CALL "disclose_me", REGISTER
// "disclose_caller"): AppendMessage refuses those with ErrUnsupportedType.
// Further limits of the schema: forward_for holds only session IDs and is
// not carried; authextra and CHALLENGE/AUTHENTICATE Extra are one string
// pair (Autobahn's Map table), so WAMP-CRA, SCRAM and cryptosign challenges
// do not fit and such sessions must use another serializer; enum-valued
// options take the schema's values only (enc_algo "cryptobox"/"opaque",
// CANCEL/INTERRUPT mode "skip", "kill", "killnowait" — the schema's
// ABORT). Roles and features the schema lacks are left out, so a peer reads
// them as not offered.
//
// Our additions, invisible to Autobahn 22.7.1's readers (FlatBuffers
// readers skip fields they do not know): ERROR, CALL, RESULT, INVOCATION
// and YIELD carry args and kwargs in two [ubyte] fields appended after
// Autobahn's last one (Autobahn's schema has no such fields for them).
//
// # What Autobahn|Python 22.7.1 implements
//
// Its FlatBuffersSerializer writes and reads PUBLISH and EVENT only; every
// other message raises NotImplementedError, so an ApplicationSession cannot
// even send HELLO over it, and payload passthru (enc_algo) fails inside its
// PUBLISH builder. It has no batched mode. The interop test
// (interop/wamp, TestFlatbuffersPython) therefore lets Autobahn's serializer
// write PUBLISH and read EVENT and builds the other messages with the
// flatc-generated modules Autobahn ships; it checks that list. The test
// vectors of newer Autobahn releases (wamp/internal/vectors/testdata) use a reworked
// schema (e.g. WELCOME.session in slot 0, 22.7.1 has it in slot 1) and do
// not decode with this one.
//
// # Reading and writing
//
// Unmarshal bounds-checks every offset, vtable, vector and string before
// reading it (the Go runtime has no verifier): bad input is a
// *wamp.ProtocolError, never a panic, and nothing is allocated from a
// length before the bytes are known to be there. The table is read in
// place; the message keeps nothing of the input. Its short strings (the
// URI, short text arguments) share one pointer-free allocation of at most
// 128 bytes instead of one each (see valueSlab). args/kwargs follow
// package cbor's limits (nesting depth 256, 1 << 20 elements per
// container). Strings are UTF-8 both ways: Unmarshal rejects a string
// field or CBOR text string that is not, and AppendMessage refuses a
// string, dict key or URI that is not with an error wrapping
// ErrUnsupportedType (send such bytes as []byte). enc_key, a [ubyte] in
// the schema that Autobahn|Python's FlatBuffers messages hold as bytes,
// is taken as it is both ways (a string holding its bytes): a key that
// is not UTF-8 travels between FlatBuffers peers, but the encoder of
// another serializer refuses it, so a router drops such an EVENT for
// their subscribers (and answers such a call invalid_argument).
//
// CALL, RESULT, PUBLISH, EVENT, INVOCATION and YIELD with empty
// Options/Details and no passthru payload, most of a session's traffic,
// take a hot path both ways (hot.go): written from the message struct and
// read into it directly, without the wamp.Wire list in between; args and
// kwargs are decoded straight into the list and dict. The hot reader
// takes a table only when every other slot is absent and every value is
// valid, else the general reader decides (and reports the error), so both
// accept the same input and give the same message (FuzzHotMatchesGeneral).
// A hot message with at most 4 arguments and 64 bytes of strings is
// allocated together with them: a small CALL decodes in 5 allocations
// where package cbor needs 9.
//
// AppendMessage writes the other common messages straight into dst too,
// front to back, without allocating; messages with nested tables or lists
// (HELLO and WELCOME with roles, CHALLENGE, AUTHENTICATE, PUBLISH with
// exclude or eligible lists) go through the runtime's Builder, pooled (a
// builder that grew past 64 KiB is dropped).
//
// Concurrency: Serializer is stateless and safe for concurrent use.
package flatbuffers
