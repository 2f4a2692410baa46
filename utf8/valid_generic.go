//go:build purego || !(amd64 || arm64)

package utf8

import "github.com/autobahn-go/autobahn/nvx"

func init() { nvx.Register("utf8", "generic", true) }

func validate(p []byte) Result { return validateGeneric(p) }

func valid(p []byte) bool { return validateGeneric(p).Kind != Invalid }

// implementations lists the implementations this CPU can run, for tests
// that call them directly.
func implementations() map[string]func([]byte) Result {
	return map[string]func([]byte) Result{"generic": validateGeneric}
}
