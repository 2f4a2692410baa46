package idlepoll

// Key names one registration of Add. Keys are never reused: Cancel of a
// key whose function has already been started does nothing.
type Key uint64

// Waiters returns how many sockets wait now: for metrics and tests.
func Waiters() int { return waiters() }
