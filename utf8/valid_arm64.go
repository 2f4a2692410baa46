//go:build !purego

package utf8

import (
	"sync/atomic"

	"github.com/autobahn-go/autobahn/nvx"
	"golang.org/x/sys/cpu"
)

const kernel = "utf8"

var hasNEON = cpu.ARM64.HasASIMD

func init() {
	nvx.Register(kernel, "generic", true)
	nvx.Register(kernel, "neon", hasNEON)
	nvx.Watch(kernel, func() { current.Store(nil) })
}

// config is the dispatch choice, resolved on first use and dropped when a
// test selects an implementation.
type config struct {
	neon    bool
	minNEON int // shortest input for which NEON beats generic
}

var current atomic.Pointer[config]

// minNEON is a guess, not a measurement: no arm64 machine was at hand, only
// qemu. Below two vectors the scalar tail dominates anyway.
const minNEON = 32

func loadConfig() *config {
	if c := current.Load(); c != nil {
		return c
	}
	return resolveConfig()
}

// resolveHook, when a test sets it, runs between reading the selection and
// storing the config built from it.
var resolveHook func()

// resolveConfig builds the config for the current selection. A Select or
// Reset between reading the selection and storing the config has already
// dropped the cached one (its watcher stores nil), so resolveConfig stores
// again until the selection it built from is still current after the
// store: a stale config never sticks.
func resolveConfig() *config {
	for {
		sel := nvx.Selected(kernel)
		c := &config{neon: hasNEON && nvx.Allowed("neon"), minNEON: minNEON}
		if sel != "" {
			c = &config{neon: sel == "neon"}
		}
		if resolveHook != nil {
			resolveHook()
		}
		current.Store(c)
		if nvx.Selected(kernel) == sel {
			return c
		}
	}
}

// valid is validate for Valid.
func valid(p []byte) bool { return validate(p).Kind != Invalid }

// validate dispatches: short ASCII in Go, then NEON or generic by length.
func validate(p []byte) Result {
	c := loadConfig()
	switch {
	case len(p) <= smallASCII && isASCIISmall(p):
		return Result{Kind: ASCII, Offset: len(p)}
	case c.neon && len(p) >= c.minNEON:
		return validateNEONGo(p)
	default:
		return validateGeneric(p)
	}
}

//go:noescape
func validateNEON(p []byte) int

// validateNEONGo runs the NEON kernel over the whole 16-byte blocks and
// finishes in Go from the last character boundary before where it stopped:
// the tail, or the block in which it found an error.
func validateNEONGo(p []byte) Result {
	r := validateNEON(p)
	s := resume(p, r>>1)
	res := validateGeneric(p[s:])
	res.Offset += s
	if res.Kind == ASCII && r&1 != 0 {
		res.Kind = UTF8
	}
	return res
}

// implementations lists the implementations this CPU can run, for tests
// that call them directly.
func implementations() map[string]func([]byte) Result {
	m := map[string]func([]byte) Result{"generic": validateGeneric}
	if hasNEON {
		m["neon"] = validateNEONGo
	}
	return m
}

// resume returns a character boundary at most six bytes before pos, from
// which scalar code can take over when p[:pos] is known to be a valid prefix:
// a sequence still open at pos started at most three bytes before it.
func resume(p []byte, pos int) int {
	s := max(pos-3, 0)
	for s > 0 && p[s]&0xC0 == 0x80 {
		s--
	}
	return s
}
