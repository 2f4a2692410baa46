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

// resolve builds the config from the CPU and the environment, or, when a
// test forced an implementation, a config that runs only that one at every
// length from 1 byte on.
func resolve() *config {
	c := autoConfig()
	if forced := nvx.Selected(Kernel); forced != "" {
		c = forcedConfig(forced)
	}
	active.Store(c)
	return c
}
