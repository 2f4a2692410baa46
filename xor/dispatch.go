//go:build !purego && (amd64 || arm64)

package xor

import (
	"sync/atomic"

	"github.com/autobahn-go/autobahn/nvx"
)

var active atomic.Pointer[config]

func init() {
	nvx.Watch(Kernel, func() { active.Store(nil) })
}

// cfg returns the dispatch decision, making it on first use (so the
// AUTOBAHN_NVX switch is read then, not at init).
func cfg() *config {
	if c := active.Load(); c != nil {
		return c
	}
	return resolve()
}

// resolveHook, when a test sets it, runs between reading the selection and
// storing the config built from it.
var resolveHook func()

// resolve builds the config from the CPU and the environment, or, when a
// test forced an implementation, a config that runs only that one at every
// length from 1 byte on. A Select or Reset between reading the selection
// and storing the config has already dropped the cached one (its watcher
// stores nil), so resolve stores again until the selection it built from
// is still current after the store: a stale config never sticks.
func resolve() *config {
	for {
		forced := nvx.Selected(Kernel)
		c := autoConfig()
		if forced != "" {
			c = forcedConfig(forced)
		}
		if resolveHook != nil {
			resolveHook()
		}
		active.Store(c)
		if nvx.Selected(Kernel) == forced {
			return c
		}
	}
}
