package flatbuffers

import "github.com/autobahn-go/autobahn/wamp"

// kind is how a table field is stored and what WAMP value it carries.
type kind uint8

const (
	kBool        kind = iota // bool ↔ bool
	kEnum                    // ubyte enum ↔ string (field.names)
	kU16                     // ushort ↔ integer
	kU32                     // uint ↔ integer
	kU64                     // ulong ↔ integer (IDs)
	kStr                     // string ↔ string
	kBytes                   // [ubyte] ↔ string (enc_key)
	kU64s                    // [ulong] ↔ list of integers
	kStrs                    // [string] ↔ list of strings
	kEnums                   // [ubyte] enums ↔ list of strings
	kMap                     // table Map ↔ dict of at most one string pair
	kClientRoles             // table ClientRoles ↔ HELLO.Details.roles
	kRouterRoles             // table RouterRoles ↔ WELCOME.Details.roles
)

// field maps one table slot to a position in the WAMP wire list (pos > 0)
// or to a key of the message's Options/Details dict (pos == 0).
type field struct {
	slot  int
	kind  kind
	pos   int
	key   string
	names []string // enum value names, indexed by value
}

// layout is one message type's table.
type layout struct {
	t       wamp.MessageType
	nfields int  // fields in the table (its vtable size)
	fixed   int  // elements of the wire list before the application payload
	dictPos int  // wire position of Options/Details (0: none)
	optDict bool // the dict is optional (UNSUBSCRIBED, UNREGISTERED)
	args    int  // slot of args ([ubyte], CBOR list), -1: none
	kwargs  int  // slot of kwargs ([ubyte], CBOR dict), -1: none
	payload int  // slot of the passthru payload, -1: none
	fields  []field
	// refuse are dict keys the schema has no field for whose true value
	// changes what the message does: AppendMessage refuses them rather
	// than drop them (false is the default and is dropped).
	refuse []string
}

// Enum value names, by value (the schema's enums, as WAMP spells them).
var (
	authMethods    = []string{"anonymous", "cookie", "tls", "ticket", "wampcra", "scram", "cryptosign"}
	encAlgos       = []string{"plain", "cryptobox", "opaque"}
	encSerializers = []string{"transport", "json", "msgpack", "cbor", "ubjson", "opaque", "flatbuffers"}
	matchPolicies  = []string{"exact", "prefix", "wildcard"}
	invokePolicies = []string{"single", "first", "last", "roundrobin", "random"}
	cancelModes    = []string{"skip", "killnowait", "kill"} // SKIP, ABORT, KILL
)

// Feature flags of the role tables, in slot order.
var (
	publisherFeatures = []string{"publisher_identification", "publisher_exclusion", "subscriber_blackwhite_listing",
		"acknowledge_event_received", "payload_transparency", "payload_encryption_cryptobox"}
	subscriberFeatures = []string{"publisher_identification", "pattern_based_subscription", "publication_trustlevels",
		"subscription_revocation", "event_history", "acknowledge_subscriber_received", "payload_transparency",
		"payload_encryption_cryptobox"}
	callerFeatures = []string{"caller_identification", "call_timeout", "call_canceling", "progressive_call_results",
		"payload_transparency", "payload_encryption_cryptobox"}
	calleeFeatures = []string{"caller_identification", "call_trustlevels", "call_timeout", "call_canceling",
		"progressive_call_results", "registration_revocation", "pattern_based_registration", "shared_registration",
		"payload_transparency", "payload_encryption_cryptobox"}
	brokerFeatures = []string{"publisher_identification", "publisher_exclusion", "subscriber_blackwhite_listing",
		"pattern_based_subscription", "publication_trustlevels", "subscription_revocation", "session_meta_api",
		"subscription_meta_api", "event_retention", "event_history", "acknowledge_event_received",
		"acknowledge_subscriber_received", "payload_transparency", "payload_encryption_cryptobox"}
	dealerFeatures = []string{"caller_identification", "call_trustlevels", "call_timeout", "call_canceling",
		"progressive_call_results", "registration_revocation", "pattern_based_registration", "shared_registration",
		"session_meta_api", "registration_meta_api", "testament_meta_api", "payload_transparency",
		"payload_encryption_cryptobox"}
)

// role is one role table inside ClientRoles/RouterRoles: its dict key and
// its feature flags.
type role struct {
	name     string
	features []string
}

var (
	clientRoles = []role{{"publisher", publisherFeatures}, {"subscriber", subscriberFeatures},
		{"caller", callerFeatures}, {"callee", calleeFeatures}}
	routerRoles = []role{{"broker", brokerFeatures}, {"dealer", dealerFeatures}}
)

// enc are the payload fields shared by every message that carries an
// application payload, at slots a, a+1, a+2.
func enc(a int) []field {
	return []field{
		{slot: a, kind: kEnum, key: "enc_algo", names: encAlgos},
		{slot: a + 1, kind: kEnum, key: "enc_serializer", names: encSerializers},
		{slot: a + 2, kind: kBytes, key: "enc_key"},
	}
}

func join(parts ...[]field) []field {
	var out []field
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// layouts indexes the tables by WAMP message type code (the union
// discriminator). The slots follow schema/wamp.fbs.
var layouts = func() [256]*layout {
	var t [256]*layout
	for _, l := range []*layout{
		{t: wamp.TypeHello, nfields: 9, fixed: 3, dictPos: 2, args: -1, kwargs: -1, payload: -1, fields: []field{
			{slot: 0, kind: kClientRoles, key: "roles"}, {slot: 1, kind: kStr, pos: 1},
			{slot: 2, kind: kEnums, key: "authmethods", names: authMethods}, {slot: 3, kind: kStr, key: "authid"},
			{slot: 4, kind: kStr, key: "authrole"}, {slot: 5, kind: kMap, key: "authextra"},
			{slot: 6, kind: kBool, key: "resumable"}, {slot: 7, kind: kU64, key: "resume_session"},
			{slot: 8, kind: kStr, key: "resume_token"}}},
		{t: wamp.TypeWelcome, nfields: 11, fixed: 3, dictPos: 2, args: -1, kwargs: -1, payload: -1, fields: []field{
			{slot: 0, kind: kRouterRoles, key: "roles"}, {slot: 1, kind: kU64, pos: 1},
			{slot: 2, kind: kStr, key: "realm"}, {slot: 3, kind: kStr, key: "authid"},
			{slot: 4, kind: kStr, key: "authrole"}, {slot: 5, kind: kEnum, key: "authmethod", names: authMethods},
			{slot: 6, kind: kStr, key: "authprovider"}, {slot: 7, kind: kMap, key: "authextra"},
			{slot: 8, kind: kBool, key: "resumed"}, {slot: 9, kind: kBool, key: "resumable"},
			{slot: 10, kind: kStr, key: "resume_token"}}},
		{t: wamp.TypeAbort, nfields: 2, fixed: 3, dictPos: 1, args: -1, kwargs: -1, payload: -1, fields: []field{
			{slot: 0, kind: kStr, pos: 2}, {slot: 1, kind: kStr, key: "message"}}},
		{t: wamp.TypeChallenge, nfields: 2, fixed: 3, args: -1, kwargs: -1, payload: -1, fields: []field{
			{slot: 0, kind: kEnum, pos: 1, names: authMethods}, {slot: 1, kind: kMap, pos: 2}}},
		{t: wamp.TypeAuthenticate, nfields: 2, fixed: 3, args: -1, kwargs: -1, payload: -1, fields: []field{
			{slot: 0, kind: kStr, pos: 1}, {slot: 1, kind: kMap, pos: 2}}},
		{t: wamp.TypeGoodbye, nfields: 3, fixed: 3, dictPos: 1, args: -1, kwargs: -1, payload: -1, fields: []field{
			{slot: 0, kind: kStr, pos: 2}, {slot: 1, kind: kStr, key: "message"}, {slot: 2, kind: kBool, key: "resumable"}}},
		{t: wamp.TypeError, nfields: 9, fixed: 5, dictPos: 3, args: 7, kwargs: 8, payload: 3, fields: join([]field{
			{slot: 0, kind: kU16, pos: 1}, {slot: 1, kind: kU64, pos: 2}, {slot: 2, kind: kStr, pos: 4}}, enc(4))},
		{t: wamp.TypePublish, nfields: 19, fixed: 4, dictPos: 2, args: 2, kwargs: 3, payload: 4, fields: join([]field{
			{slot: 0, kind: kU64, pos: 1}, {slot: 1, kind: kStr, pos: 3}}, enc(5), []field{
			{slot: 8, kind: kBool, key: "acknowledge"}, {slot: 9, kind: kBool, key: "exclude_me"},
			{slot: 10, kind: kU64s, key: "exclude"}, {slot: 11, kind: kStrs, key: "exclude_authid"},
			{slot: 12, kind: kStrs, key: "exclude_authrole"}, {slot: 13, kind: kU64s, key: "eligible"},
			{slot: 14, kind: kStrs, key: "eligible_authid"}, {slot: 15, kind: kStrs, key: "eligible_authrole"},
			{slot: 16, kind: kBool, key: "retain"}, {slot: 17, kind: kStr, key: "transaction_hash"}}), refuse: []string{"disclose_me"}},
		{t: wamp.TypePublished, nfields: 2, fixed: 3, args: -1, kwargs: -1, payload: -1, fields: []field{
			{slot: 0, kind: kU64, pos: 1}, {slot: 1, kind: kU64, pos: 2}}},
		{t: wamp.TypeSubscribe, nfields: 4, fixed: 4, dictPos: 2, args: -1, kwargs: -1, payload: -1, fields: []field{
			{slot: 0, kind: kU64, pos: 1}, {slot: 1, kind: kStr, pos: 3},
			{slot: 2, kind: kEnum, key: "match", names: matchPolicies}, {slot: 3, kind: kBool, key: "get_retained"}}},
		{t: wamp.TypeSubscribed, nfields: 2, fixed: 3, args: -1, kwargs: -1, payload: -1, fields: []field{
			{slot: 0, kind: kU64, pos: 1}, {slot: 1, kind: kU64, pos: 2}}},
		{t: wamp.TypeUnsubscribe, nfields: 2, fixed: 3, args: -1, kwargs: -1, payload: -1, fields: []field{
			{slot: 0, kind: kU64, pos: 1}, {slot: 1, kind: kU64, pos: 2}}},
		{t: wamp.TypeUnsubscribed, nfields: 3, fixed: 3, dictPos: 2, optDict: true, args: -1, kwargs: -1, payload: -1, fields: []field{
			{slot: 0, kind: kU64, pos: 1}, {slot: 1, kind: kU64, key: "subscription"}, {slot: 2, kind: kStr, key: "reason"}}},
		{t: wamp.TypeEvent, nfields: 16, fixed: 4, dictPos: 3, args: 2, kwargs: 3, payload: 4, fields: join([]field{
			{slot: 0, kind: kU64, pos: 1}, {slot: 1, kind: kU64, pos: 2}}, enc(5), []field{
			{slot: 8, kind: kU64, key: "publisher"}, {slot: 9, kind: kStr, key: "publisher_authid"},
			{slot: 10, kind: kStr, key: "publisher_authrole"}, {slot: 11, kind: kStr, key: "topic"},
			{slot: 12, kind: kBool, key: "retained"}, {slot: 13, kind: kStr, key: "transaction_hash"},
			{slot: 14, kind: kBool, key: "x_acknowledged_delivery"}})},
		{t: wamp.TypeCall, nfields: 15, fixed: 4, dictPos: 2, args: 13, kwargs: 14, payload: 2, fields: join([]field{
			{slot: 0, kind: kU64, pos: 1}, {slot: 1, kind: kStr, pos: 3}}, enc(3), []field{
			{slot: 6, kind: kU32, key: "timeout"}, {slot: 7, kind: kBool, key: "receive_progress"},
			{slot: 8, kind: kStr, key: "transaction_hash"}, {slot: 9, kind: kU64, key: "caller"},
			{slot: 10, kind: kStr, key: "caller_authid"}, {slot: 11, kind: kStr, key: "caller_authrole"}}),
			refuse: []string{"progress", "disclose_me"}},
		{t: wamp.TypeCancel, nfields: 3, fixed: 3, dictPos: 2, args: -1, kwargs: -1, payload: -1, fields: []field{
			{slot: 0, kind: kU64, pos: 1}, {slot: 1, kind: kEnum, key: "mode", names: cancelModes}}},
		{t: wamp.TypeResult, nfields: 12, fixed: 3, dictPos: 2, args: 10, kwargs: 11, payload: 1, fields: join([]field{
			{slot: 0, kind: kU64, pos: 1}}, enc(2), []field{
			{slot: 5, kind: kBool, key: "progress"}, {slot: 6, kind: kU64, key: "callee"},
			{slot: 7, kind: kStr, key: "callee_authid"}, {slot: 8, kind: kStr, key: "callee_authrole"}})},
		{t: wamp.TypeRegister, nfields: 6, fixed: 4, dictPos: 2, args: -1, kwargs: -1, payload: -1, fields: []field{
			{slot: 0, kind: kU64, pos: 1}, {slot: 1, kind: kStr, pos: 3},
			{slot: 2, kind: kEnum, key: "match", names: matchPolicies}, {slot: 3, kind: kEnum, key: "invoke", names: invokePolicies},
			{slot: 4, kind: kU16, key: "concurrency"}, {slot: 5, kind: kBool, key: "force_reregister"}},
			refuse: []string{"disclose_caller"}},
		{t: wamp.TypeRegistered, nfields: 2, fixed: 3, args: -1, kwargs: -1, payload: -1, fields: []field{
			{slot: 0, kind: kU64, pos: 1}, {slot: 1, kind: kU64, pos: 2}}},
		{t: wamp.TypeUnregister, nfields: 2, fixed: 3, args: -1, kwargs: -1, payload: -1, fields: []field{
			{slot: 0, kind: kU64, pos: 1}, {slot: 1, kind: kU64, pos: 2}}},
		{t: wamp.TypeUnregistered, nfields: 3, fixed: 3, dictPos: 2, optDict: true, args: -1, kwargs: -1, payload: -1, fields: []field{
			{slot: 0, kind: kU64, pos: 1}, {slot: 1, kind: kU64, key: "registration"}, {slot: 2, kind: kStr, key: "reason"}}},
		{t: wamp.TypeInvocation, nfields: 16, fixed: 4, dictPos: 3, args: 14, kwargs: 15, payload: 2, fields: join([]field{
			{slot: 0, kind: kU64, pos: 1}, {slot: 1, kind: kU64, pos: 2}}, enc(3), []field{
			{slot: 6, kind: kStr, key: "procedure"}, {slot: 7, kind: kU32, key: "timeout"},
			{slot: 8, kind: kBool, key: "receive_progress"}, {slot: 9, kind: kStr, key: "transaction_hash"},
			{slot: 10, kind: kU64, key: "caller"}, {slot: 11, kind: kStr, key: "caller_authid"},
			{slot: 12, kind: kStr, key: "caller_authrole"}}), refuse: []string{"progress"}},
		{t: wamp.TypeInterrupt, nfields: 4, fixed: 3, dictPos: 2, args: -1, kwargs: -1, payload: -1, fields: []field{
			{slot: 0, kind: kU64, pos: 1}, {slot: 1, kind: kEnum, key: "mode", names: cancelModes},
			{slot: 2, kind: kStr, key: "reason"}}},
		{t: wamp.TypeYield, nfields: 12, fixed: 3, dictPos: 2, args: 10, kwargs: 11, payload: 1, fields: join([]field{
			{slot: 0, kind: kU64, pos: 1}}, enc(2), []field{
			{slot: 5, kind: kBool, key: "progress"}, {slot: 6, kind: kU64, key: "callee"},
			{slot: 7, kind: kStr, key: "callee_authid"}, {slot: 8, kind: kStr, key: "callee_authrole"}})},
	} {
		t[l.t] = l
	}
	return t
}()
