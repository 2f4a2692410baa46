//go:build race

package utf8

// raceEnabled trims the exhaustive loops under the race detector, which
// finds nothing in these single-goroutine kernels but slows them tenfold;
// the plain run covers them in full.
const raceEnabled = true
