//go:build !linux

package idlepoll

import "syscall"

// Supported reports whether Add can register sockets on this system.
const Supported = false

// Add refuses here: ok is false and f never runs.
func Add(syscall.RawConn, func()) (Key, bool) { return 0, false }

// Cancel does nothing here: nothing waits.
func Cancel(Key) bool { return false }

func waiters() int { return 0 }
