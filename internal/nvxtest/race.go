//go:build race

package nvxtest

// Race is true when the race detector is on. Exhaustive kernel loops shrink
// under it: it cannot see inside assembly, and `make test` runs them in full
// without it.
const Race = true
