package nvx

import (
	"fmt"
	"runtime"
	"strings"
)

// Report describes, in a few lines fit for a log or a terminal, the CPU's
// features, the environment switch and the implementation each kernel uses.
func Report() string {
	var b strings.Builder
	f := CPU()
	fmt.Fprintf(&b, "arch:     %s/%s\n", runtime.GOOS, runtime.GOARCH)
	fmt.Fprintf(&b, "features: %s\n", strings.Join(f.Names(), " "))
	fmt.Fprintf(&b, "env:      %s\n", loadPolicy().describe())
	if Purego {
		b.WriteString("build:    purego (no assembly)\n")
	}
	for _, k := range Kernels() {
		var names []string
		for _, im := range Impls(k) {
			n := im.Name
			switch {
			case !im.CPU:
				n += "(no cpu)"
			case !im.Available:
				n += "(off)"
			}
			names = append(names, n)
		}
		how := "auto: " + AutoPlan(k).Ranges
		if Selected(k) != "" {
			how = "forced at every length"
		}
		fmt.Fprintf(&b, "kernel %-6s %s (%s)\n", k+":", Best(k), how)
		fmt.Fprintf(&b, "       %-6s registered: %s\n", "", strings.Join(names, " "))
	}
	return b.String()
}
