package nvx

import (
	"os"
	"slices"
	"strings"
	"sync"
)

// EnvVar is the environment variable that caps or switches off the SIMD
// implementations. See the package documentation for its syntax.
const EnvVar = "AUTOBAHN_NVX"

// levels orders the implementation names. amd64 and arm64 names share the
// generic bottom rung; a cap from the other architecture's ladder leaves only
// generic.
var levels = map[string]struct {
	ladder string
	rank   int
}{
	"generic": {"", 0},
	"sse2":    {"x86", 1},
	"avx2":    {"x86", 2},
	"avx512":  {"x86", 3},
	"neon":    {"arm", 1},
}

// KnownName reports whether name is an implementation name nvx understands.
func KnownName(name string) bool {
	_, ok := levels[name]
	return ok
}

type policy struct {
	raw      string
	capName  string          // "" = no cap
	disabled map[string]bool // levels switched off by no<name>
	unknown  []string        // words we did not understand
}

var (
	policyOnce sync.Once
	current    policy
)

func loadPolicy() policy {
	policyOnce.Do(func() { current = parsePolicy(os.Getenv(EnvVar)) })
	return current
}

func parsePolicy(s string) policy {
	p := policy{raw: s, disabled: map[string]bool{}}
	for _, w := range strings.Split(s, ",") {
		w = strings.ToLower(strings.TrimSpace(w))
		switch {
		case w == "" || w == "on" || w == "auto":
		case w == "off":
			p.capName = "generic"
		case KnownName(w):
			p.capName = w
		case strings.HasPrefix(w, "no") && KnownName(w[2:]) && w[2:] != "generic":
			p.disabled[w[2:]] = true
		default:
			p.unknown = append(p.unknown, w)
		}
	}
	return p
}

func (p policy) allows(name string) bool {
	lv, ok := levels[name]
	if !ok || p.disabled[name] {
		return false
	}
	if lv.rank == 0 || p.capName == "" {
		return true
	}
	c := levels[p.capName]
	if c.ladder != lv.ladder {
		return false
	}
	return lv.rank <= c.rank
}

// Allowed reports whether AUTOBAHN_NVX lets kernels use the implementation
// level name ("generic" is always allowed). It does not look at the CPU.
func Allowed(name string) bool { return loadPolicy().allows(name) }

// describe returns a one-line account of the environment switch.
func (p policy) describe() string {
	if p.raw == "" {
		return EnvVar + " unset (everything the CPU has)"
	}
	s := EnvVar + "=" + p.raw
	if len(p.unknown) > 0 {
		s += " (ignored: " + strings.Join(slices.Clip(p.unknown), ", ") + ")"
	}
	return s
}
