// Package intern turns the dict keys WAMP peers send in nearly every
// message ("progress", "receive_progress", "roles", …) into constant
// strings, so that decoders do not allocate a copy of each. The returned
// strings are Go constants: they share nothing with the input bytes.
package intern

// Key returns the constant string equal to b if b is a well-known key,
// else string(b) (a fresh copy).
func Key(b []byte) string {
	if len(b) < 4 || len(b) > 18 {
		return string(b)
	}
	// The compiler compares string(b) against constants without converting.
	switch string(b) {
	case "acknowledge":
		return "acknowledge"
	case "authextra":
		return "authextra"
	case "authid":
		return "authid"
	case "authmethod":
		return "authmethod"
	case "authmethods":
		return "authmethods"
	case "authprovider":
		return "authprovider"
	case "authrole":
		return "authrole"
	case "broker":
		return "broker"
	case "callee":
		return "callee"
	case "caller":
		return "caller"
	case "caller_authid":
		return "caller_authid"
	case "caller_authrole":
		return "caller_authrole"
	case "dealer":
		return "dealer"
	case "disclose_me":
		return "disclose_me"
	case "enc_algo":
		return "enc_algo"
	case "enc_key":
		return "enc_key"
	case "enc_serializer":
		return "enc_serializer"
	case "exclude_me":
		return "exclude_me"
	case "features":
		return "features"
	case "invoke":
		return "invoke"
	case "match":
		return "match"
	case "message":
		return "message"
	case "procedure":
		return "procedure"
	case "progress":
		return "progress"
	case "publisher":
		return "publisher"
	case "publisher_authid":
		return "publisher_authid"
	case "publisher_authrole":
		return "publisher_authrole"
	case "reason":
		return "reason"
	case "receive_progress":
		return "receive_progress"
	case "roles":
		return "roles"
	case "session":
		return "session"
	case "subscriber":
		return "subscriber"
	case "timeout":
		return "timeout"
	case "topic":
		return "topic"
	}
	return string(b)
}
