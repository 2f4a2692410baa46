//go:build race

package wsloop_test

// raceEnabled: the race detector adds allocations (sync.Pool drops items
// at random under it); TestHandshakeGarbage allows for them.
const raceEnabled = true
