package nvx

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestPolicy(t *testing.T) {
	type want struct{ generic, sse2, avx2, avx512, neon bool }
	for _, tc := range []struct {
		env  string
		want want
	}{
		{"", want{true, true, true, true, true}},
		{"on", want{true, true, true, true, true}},
		{"off", want{true, false, false, false, false}},
		{"generic", want{true, false, false, false, false}},
		{"sse2", want{true, true, false, false, false}},
		{"avx2", want{true, true, true, false, false}},
		{"AVX512", want{true, true, true, true, false}},
		{"neon", want{true, false, false, false, true}},
		{"noavx512", want{true, true, true, false, true}},
		{"noavx2, noneon", want{true, true, false, true, false}},
		{"avx2,noavx2", want{true, true, false, false, false}},
		{"nogeneric,bogus", want{true, true, true, true, true}},
	} {
		p := parsePolicy(tc.env)
		got := want{p.allows("generic"), p.allows("sse2"), p.allows("avx2"), p.allows("avx512"), p.allows("neon")}
		if got != tc.want {
			t.Errorf("%s=%q: got %+v, want %+v", EnvVar, tc.env, got, tc.want)
		}
	}
	if p := parsePolicy("avx2,bogus"); !strings.Contains(p.describe(), "ignored: bogus") {
		t.Errorf("describe does not report the unknown word: %s", p.describe())
	}
	if parsePolicy("").allows("avx1024") {
		t.Error("an unknown level is allowed")
	}
}

// withPolicy makes the environment switch read as env for the rest of t.
func withPolicy(t *testing.T, env string) {
	loadPolicy()
	old := current
	current = parsePolicy(env)
	t.Cleanup(func() { current = old })
}

// forget removes a test kernel from the registry when t ends, so the tests
// can run again in the same process (go test -count=2).
func forget(t *testing.T, names ...string) {
	t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		for _, n := range names {
			delete(kernels, n)
		}
	})
}

func TestRegistry(t *testing.T) {
	withPolicy(t, "")
	const k = "test-kernel"
	forget(t, k)
	Register(k, "generic", true)
	Register(k, "sse2", true)
	Register(k, "avx2", false)
	calls := 0
	Watch(k, func() { calls++ })

	if got := List(k); !slices.Equal(got, []string{"generic", "sse2"}) {
		t.Fatalf("List = %v", got)
	}
	if got := Best(k); got != "sse2" {
		t.Fatalf("Best = %q", got)
	}
	if err := Select(k, "avx2"); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("Select of a missing CPU feature: %v", err)
	}
	if err := Select(k, "neon"); !errors.Is(err, ErrUnknown) {
		t.Fatalf("Select of an unregistered implementation: %v", err)
	}
	if err := Select("no-such-kernel", "generic"); !errors.Is(err, ErrUnknown) {
		t.Fatalf("Select of an unknown kernel: %v", err)
	}
	if err := Select(k, "generic"); err != nil {
		t.Fatal(err)
	}
	if Selected(k) != "generic" || Best(k) != "generic" || calls != 1 {
		t.Fatalf("after Select: selected %q best %q watch calls %d", Selected(k), Best(k), calls)
	}
	if r := Report(); !strings.Contains(r, "kernel test-kernel: generic (forced") {
		t.Fatalf("Report does not show the forced choice:\n%s", r)
	}
	Reset(k)
	SetPlan(k, func() Plan { return Plan{Large: "generic", Ranges: "generic at every length, it measured faster"} })
	if Best(k) != "generic" || !strings.Contains(Report(), "it measured faster") {
		t.Fatalf("the kernel's plan is not used: best %q\n%s", Best(k), Report())
	}
	SetPlan(k, nil)
	if Selected(k) != "" || Best(k) != "sse2" || calls != 2 {
		t.Fatalf("after Reset: selected %q best %q watch calls %d", Selected(k), Best(k), calls)
	}
	if !slices.Contains(Kernels(), k) {
		t.Fatalf("Kernels = %v", Kernels())
	}
	im := Impls(k)
	if len(im) != 3 || im[2].CPU || im[2].Available {
		t.Fatalf("Impls = %+v", im)
	}
}

func TestRegisterMisuse(t *testing.T) {
	forget(t, "misuse", "misuse2")
	for name, f := range map[string]func(){
		"unknown name": func() { Register("misuse", "avx1024", true) },
		"twice":        func() { Register("misuse2", "generic", true); Register("misuse2", "generic", true) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}

func TestEnvCapsAvailability(t *testing.T) {
	withPolicy(t, "off")
	const k = "test-kernel-off"
	forget(t, k)
	Register(k, "generic", true)
	Register(k, "avx2", true)
	if got := List(k); !slices.Equal(got, []string{"generic"}) {
		t.Fatalf("List with %s=off: %v", EnvVar, got)
	}
	if err := Select(k, "avx2"); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("Select of a switched-off implementation: %v", err)
	}
}

func TestFeatures(t *testing.T) {
	f := CPU()
	names := f.Names()
	if f.AVX2 != slices.Contains(names, "avx2") || f.NEON != slices.Contains(names, "neon") {
		t.Fatalf("Names %v do not match %+v", names, f)
	}
}
