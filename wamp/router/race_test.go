//go:build race

package router_test

// raceEnabled: the race detector adds allocations (sync.Pool drops items
// at random under it), so TestLoopCallAllocs does not count them then.
const raceEnabled = true
