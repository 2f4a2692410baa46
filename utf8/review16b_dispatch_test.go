//go:build !purego && (amd64 || arm64)

package utf8

import (
	"testing"

	"github.com/autobahn-go/autobahn/nvx"
)

// TestResolveRacesSelect runs a Select, then a Reset, between
// resolveConfig's reading of the selection and its storing of the config
// (as another goroutine could): the config in force afterwards must be the
// one the selection asks for, not the stale one resolveConfig had built.
func TestResolveRacesSelect(t *testing.T) {
	t.Cleanup(func() {
		resolveHook = nil
		nvx.Reset(kernel)
	})
	sel := func(name string) {
		t.Helper()
		if name == "" {
			nvx.Reset(kernel)
		} else if err := nvx.Select(kernel, name); err != nil {
			t.Fatal(err)
		}
	}
	sel("")
	auto := *loadConfig()
	sel("generic")
	generic := *loadConfig()
	if auto == generic {
		t.Fatalf("the automatic config %+v is the forced generic one: nothing to tell apart", auto)
	}
	for _, tc := range []struct {
		name         string
		before, then string // selections before resolveConfig runs and during it
		want         config
	}{
		{"select", "", "generic", generic},
		{"reset", "generic", "", auto},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sel(tc.before) // drops the config: the next loadConfig resolves
			calls := 0
			resolveHook = func() {
				if calls++; calls == 1 {
					sel(tc.then)
				}
			}
			defer func() { resolveHook = nil }()
			if got := *loadConfig(); got != tc.want {
				t.Errorf("resolveConfig returned %+v, want %+v", got, tc.want)
			}
			if got := *loadConfig(); got != tc.want {
				t.Errorf("config in force %+v, want %+v (a stale config stuck)", got, tc.want)
			}
			if calls < 2 {
				t.Errorf("resolveConfig ran %d times, want a retry after the selection changed", calls)
			}
		})
	}
}
