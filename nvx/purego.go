//go:build purego

package nvx

// Purego is true in builds with the purego tag: no assembly is compiled in.
const Purego = true
