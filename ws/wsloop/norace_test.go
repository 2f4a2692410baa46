//go:build !race

package wsloop_test

const raceEnabled = false
