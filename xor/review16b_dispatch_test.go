//go:build !purego && (amd64 || arm64)

package xor

import (
	"testing"

	"github.com/autobahn-go/autobahn/nvx"
)

// TestResolveRacesSelect runs a Select, then a Reset, between resolve's
// reading of the selection and its storing of the config (as another
// goroutine could): the config in force afterwards must be the one the
// selection asks for, not the stale one resolve had built.
func TestResolveRacesSelect(t *testing.T) {
	t.Cleanup(func() {
		resolveHook = nil
		nvx.Reset(Kernel)
	})
	for _, tc := range []struct {
		name   string
		before string // selected before resolve runs ("" automatic)
		during func()
		want   func() *config
	}{
		{"select", "", func() { mustSelect(t, "generic") }, func() *config { return forcedConfig("generic") }},
		{"reset", "generic", func() { nvx.Reset(Kernel) }, autoConfig},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.before == "" {
				nvx.Reset(Kernel)
			} else {
				mustSelect(t, tc.before)
			}
			calls := 0
			resolveHook = func() {
				if calls++; calls == 1 {
					tc.during()
				}
			}
			defer func() { resolveHook = nil }()
			if got := cfg(); *got != *tc.want() {
				t.Errorf("resolve returned %+v, want %+v", *got, *tc.want())
			}
			if got := cfg(); *got != *tc.want() {
				t.Errorf("config in force %+v, want %+v (a stale config stuck)", *got, *tc.want())
			}
			if calls < 2 {
				t.Errorf("resolve ran %d times, want a retry after the selection changed", calls)
			}
		})
	}
}

func mustSelect(t *testing.T, name string) {
	t.Helper()
	if err := nvx.Select(Kernel, name); err != nil {
		t.Fatal(err)
	}
}
