package router

import "time"

// inputAwaiter is a goroutine transport whose reader can wait for the
// next input without reading a message (websocket.Conn on goroutines):
// AwaitInput(d) waits at most d (no limit for d <= 0) and reports whether
// Recv has something to do; it is called between Recv calls, from the
// reading goroutine. A transport that cannot wait shallowly returns true
// at once and its reader waits in Recv.
type inputAwaiter interface {
	AwaitInput(d time.Duration) bool
}

// inputNotifier is an inputAwaiter that can also wait without a goroutine
// (websocket.Conn and rawsocket.Conn on Linux): AwaitInputFunc(f) arranges
// for f to run on a new goroutine once Recv has something to do and
// reports true, or reports false (f never runs) where it cannot.
type inputNotifier interface {
	AwaitInputFunc(f func()) bool
}

// park lets an idle session wait for its next input: without a goroutine
// where the transport can (inputNotifier: the reading resumes in attached
// on a new goroutine), else on a fresh goroutine (parked). The calling
// goroutine then ends its reading.
func (s *session) park(aw inputAwaiter) {
	if n, ok := aw.(inputNotifier); ok && n.AwaitInputFunc(s.attached) {
		return
	}
	go s.parked(aw)
}

// parked waits for an idle session's next input on a fresh goroutine,
// whose stack is the smallest (a goroutine parked in Recv holds the
// frames of decoding: 4 KiB, where this one holds 2), then reads and
// handles on it as attached does.
func (s *session) parked(aw inputAwaiter) {
	aw.AwaitInput(0)
	s.attached()
}
