//go:build !linux

package ws

// idlePollOK: no poller of AwaitInputFunc's here; it returns false.
const idlePollOK = false

func idleAdd(*Conn, func()) bool { return false }

func idleCancel(*Conn) {}

func idleWaiters() int { return 0 }
