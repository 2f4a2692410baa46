package router

import "github.com/autobahn-go/autobahn/wamp"

// passthruKeys are the options of PUBLISH, CALL, YIELD and ERROR that the
// router forwards untouched into the details of the EVENT, INVOCATION,
// RESULT or ERROR they cause: payload passthru mode (WAMP spec, "Payload
// Passthru Mode", ppt_*) and the older payload transparency (enc_*). The
// router never reads the payload of such a message: Args, Kwargs and
// Payload are forwarded as they came.
var passthruKeys = [...]string{
	"ppt_scheme", "ppt_serializer", "ppt_cipher", "ppt_keyid",
	"enc_algo", "enc_serializer", "enc_key",
}

// copyPassthru copies the passthru keys present in opts into details.
func copyPassthru(details, opts wamp.Dict) {
	if len(opts) == 0 {
		return
	}
	for _, k := range passthruKeys {
		if v, ok := opts[k]; ok {
			details[k] = v
		}
	}
}

// usesPassthru reports whether opts ask for payload passthru mode: the
// spec recognises it by a non-empty ppt_scheme.
func usesPassthru(opts wamp.Dict) bool {
	s, _ := opts["ppt_scheme"].(string)
	return s != ""
}

// pptViolation is the protocol violation of a peer that uses payload
// passthru mode in a message of role without announcing the feature for
// it in HELLO (the spec makes that a protocol error); "" when there is
// none.
func (s *session) pptViolation(role string, t wamp.MessageType, opts wamp.Dict) string {
	if !usesPassthru(opts) || s.pptRoles[role] {
		return ""
	}
	return t.String() + ": payload passthru mode (ppt_scheme) used without announcing roles." + role + ".features.payload_passthru_mode"
}

// pptAnnounced returns the roles of HELLO.Details.roles that announced
// payload_passthru_mode.
func pptAnnounced(details wamp.Dict) map[string]bool {
	var m map[string]bool
	for _, role := range [...]string{"publisher", "subscriber", "caller", "callee"} {
		if feature(details, role, "payload_passthru_mode") {
			if m == nil {
				m = map[string]bool{}
			}
			m[role] = true
		}
	}
	return m
}
