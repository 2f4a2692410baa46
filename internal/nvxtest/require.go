package nvxtest

import (
	"os"
	"strings"
	"testing"

	"github.com/autobahn-go/autobahn/nvx"
)

// RequireEnv is the environment variable naming the implementation a kernel
// must pick for large inputs in this run (e.g. "avx2" under
// qemu-x86_64 -cpu Haswell). Read it in a test, never at init.
const RequireEnv = "NVX_TEST_REQUIRE"

// CheckRequired fails t when NVX_TEST_REQUIRE is set and kernel's automatic
// choice differs from it. The value is a comma-separated list: "avx2" applies
// to every kernel, "xor=avx2" to one; a kernel-specific entry wins. Each
// entry may list alternatives separated by "|" ("sse2|generic").
func CheckRequired(t testing.TB, kernel string) {
	t.Helper()
	env := os.Getenv(RequireEnv)
	want := requiredFor(env, kernel)
	if want == "" {
		t.Skip(RequireEnv + " not set for " + kernel)
	}
	got := nvx.Best(kernel)
	for _, alt := range splitAlt(want) {
		if got == alt {
			t.Logf("%s picked %s (required %s)", kernel, got, want)
			return
		}
	}
	t.Fatalf("%s picked %q, %s=%q\n%s", kernel, got, RequireEnv, env, nvx.Report())
}

// requiredFor picks kernel's expectation out of an NVX_TEST_REQUIRE value.
func requiredFor(env, kernel string) string {
	general := ""
	for _, e := range strings.Split(env, ",") {
		e = strings.TrimSpace(e)
		if k, v, ok := strings.Cut(e, "="); ok {
			if k == kernel {
				return v
			}
			continue
		}
		if e != "" {
			general = e
		}
	}
	return general
}

func splitAlt(s string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == '|' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return out
}

// ForEachImpl runs f as a subtest once with the automatic dispatch ("auto",
// which mixes implementations by length) and once per available
// implementation of kernel, with that one selected for every length. It
// restores the automatic choice afterwards.
func ForEachImpl(t *testing.T, kernel string, f func(t *testing.T)) {
	t.Helper()
	names := nvx.List(kernel)
	if len(names) == 0 {
		t.Fatalf("no implementation registered for %s", kernel)
	}
	defer nvx.Reset(kernel)
	nvx.Reset(kernel)
	t.Run("auto", f)
	for _, name := range names {
		if err := nvx.Select(kernel, name); err != nil {
			t.Fatal(err)
		}
		t.Run(name, f)
	}
}
