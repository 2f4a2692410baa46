package wamp

import (
	"fmt"
	"strings"
)

// A rule checks the type (and for some keys the value) of one well-known
// key of an Options or Details dict. Unknown keys pass, as the spec asks.
type rule struct {
	key  string
	kind ruleKind
}

type ruleKind uint8

const (
	kBool ruleKind = iota
	kString
	kURI
	kID
	kUint
	kIDList
	kStringList
	kForwardFor
	kMatch
	kInvoke
	kCancelMode
	kEncAlgo
	kEncSerializer
	kDict
)

var kindWant = [...]string{
	kBool: "bool", kString: "string", kURI: "URI string", kID: "ID", kUint: "non-negative integer",
	kIDList: "list of IDs", kStringList: "list of strings", kForwardFor: "list of {session, authid, authrole}",
	kMatch: `"exact", "prefix" or "wildcard"`, kInvoke: `"single", "roundrobin", "random", "first" or "last"`,
	kCancelMode: `"skip", "kill" or "killnowait"`, kEncAlgo: `"cryptobox", "mqtt" or "x_…"`,
	kEncSerializer: `"json", "msgpack", "cbor", "ubjson", "opaque", "flatbuffers" or "x_…"`, kDict: "dict",
}

var (
	forwardFor   = rule{"forward_for", kForwardFor}
	payloadRules = []rule{{"enc_algo", kEncAlgo}, {"enc_serializer", kEncSerializer}, {"enc_key", kString}, forwardFor}

	helloDetailRules = []rule{{"roles", kDict}, {"authmethods", kStringList}, {"authid", kString}, {"authrole", kString}, {"authextra", kDict}, {"resumable", kBool}}
	closeRules       = []rule{{"message", kString}}
	revokeRules      = []rule{{"reason", kString}, {"subscription", kID}, {"registration", kID}}
	publishRules     = append([]rule{
		{"acknowledge", kBool}, {"exclude_me", kBool}, {"exclude", kIDList}, {"exclude_authid", kStringList},
		{"exclude_authrole", kStringList}, {"eligible", kIDList}, {"eligible_authid", kStringList},
		{"eligible_authrole", kStringList}, {"retain", kBool}, {"transaction_hash", kString}, {"disclose_me", kBool},
	}, payloadRules...)
	eventRules = append([]rule{
		{"publisher", kID}, {"publisher_authid", kString}, {"publisher_authrole", kString}, {"topic", kURI},
		{"retained", kBool}, {"transaction_hash", kString}, {"x_acknowledged_delivery", kBool},
	}, payloadRules...)
	subscribeRules = []rule{{"match", kMatch}, {"get_retained", kBool}, forwardFor}
	registerRules  = []rule{{"match", kMatch}, {"invoke", kInvoke}, {"disclose_caller", kBool}, {"concurrency", kUint}, {"force_reregister", kBool}, forwardFor}
	callRules      = append([]rule{
		{"timeout", kUint}, {"receive_progress", kBool}, {"disclose_me", kBool}, {"progress", kBool}, {"transaction_hash", kString},
	}, payloadRules...)
	cancelRules     = []rule{{"mode", kCancelMode}, forwardFor}
	interruptRules  = []rule{{"mode", kCancelMode}, {"reason", kString}, forwardFor}
	resultRules     = append([]rule{{"progress", kBool}}, payloadRules...)
	yieldRules      = append([]rule{{"progress", kBool}}, payloadRules...)
	invocationRules = append([]rule{
		{"caller", kID}, {"caller_authid", kString}, {"caller_authrole", kString}, {"procedure", kURI},
		{"receive_progress", kBool}, {"progress", kBool}, {"timeout", kUint}, {"trustlevel", kUint},
	}, payloadRules...)
)

// checkRules returns "" or "key: want …, got …".
func checkRules(d Dict, rules []rule) string {
	if len(d) == 0 {
		return ""
	}
	for _, r := range rules {
		v, ok := d[r.key]
		if !ok {
			continue
		}
		if !r.kind.ok(v) {
			return fmt.Sprintf("%s: want %s, got %s", r.key, kindWant[r.kind], describe(v))
		}
	}
	return ""
}

func (k ruleKind) ok(v any) bool {
	switch k {
	case kBool:
		_, ok := v.(bool)
		return ok
	case kString:
		_, ok := v.(string)
		return ok
	case kURI:
		s, ok := v.(string)
		return ok && ValidURI(URI(s), false, MatchWildcard)
	case kID:
		id, ok := AsID(v)
		return ok && id > 0
	case kUint:
		n, ok := AsInt64(v)
		return ok && n >= 0
	case kIDList:
		l, ok := v.([]any)
		if !ok {
			return false
		}
		for _, e := range l {
			if id, ok := AsID(e); !ok || id == 0 {
				return false
			}
		}
		return true
	case kStringList:
		switch l := v.(type) {
		case []string:
			return true
		case []any:
			for _, e := range l {
				if _, ok := e.(string); !ok {
					return false
				}
			}
			return true
		}
		return false
	case kForwardFor:
		l, ok := v.([]any)
		if !ok {
			return false
		}
		for _, e := range l {
			d, ok := e.(map[string]any)
			if !ok {
				return false
			}
			if id, ok := AsID(d["session"]); !ok || id == 0 {
				return false
			}
			if _, ok := d["authid"].(string); !ok {
				return false
			}
			if _, ok := d["authrole"].(string); !ok {
				return false
			}
		}
		return true
	case kMatch:
		s, _ := v.(string)
		return s == MatchExact || s == MatchPrefix || s == MatchWildcard
	case kInvoke:
		switch s, _ := v.(string); s {
		case "single", "roundrobin", "random", "first", "last":
			return true
		}
		return false
	case kCancelMode:
		switch s, _ := v.(string); s {
		case "skip", "kill", "killnowait":
			return true
		}
		return false
	case kEncAlgo:
		s, _ := v.(string)
		return s == "cryptobox" || s == "mqtt" || strings.HasPrefix(s, "x_") && len(s) > 2
	case kEncSerializer:
		switch s, _ := v.(string); s {
		case "json", "msgpack", "cbor", "ubjson", "opaque", "flatbuffers":
			return true
		default:
			return strings.HasPrefix(s, "x_") && len(s) > 2
		}
	case kDict:
		_, ok := v.(map[string]any)
		return ok
	}
	return false
}

// kindOf names the WAMP type of a decoded value for error messages.
func kindOf(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "bool"
	case string:
		return "string"
	case []byte:
		return "binary"
	case []any:
		return "list"
	case map[string]any:
		return "dict"
	case float32, float64:
		return "float"
	}
	if _, ok := AsInt64(v); ok {
		return "integer"
	}
	if _, ok := v.(uint64); ok {
		return "integer"
	}
	return fmt.Sprintf("%T", v)
}

// describe is kindOf plus the value for scalars.
func describe(v any) string {
	switch x := v.(type) {
	case string:
		if len(x) > 40 {
			x = x[:40] + "…"
		}
		return fmt.Sprintf("string %q", x)
	case bool, int64, uint64, float64, int:
		return fmt.Sprintf("%s %v", kindOf(v), x)
	}
	return kindOf(v)
}
