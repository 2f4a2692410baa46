// Package coalesce is the write queue the WAMP transports share (RawSocket,
// and WebSocket on goroutines). Messages are queued (Queue.Add); the Send
// that finds no write under way leads: it writes everything queued with
// one system call, and Sends arriving meanwhile queue behind it and return
// at once (a Send's ctx bounds only its wait for room in a full queue, never
// a write, which carries other Sends' messages too); what is left when a write ends goes to a writer goroutine that
// exists only until the queue is empty, so an idle connection holds no
// goroutine; nor a buffer: an empty queue gives its buffers to a pool
// shared by all queues (at most 64 KiB each), where the next Add finds
// them. The Policy decides how the leader writes:
//
//   - inline, in the Send's goroutine: a lone message (request and
//     response, one at a time) then costs no goroutine switch;
//   - after yielding once (runtime.Gosched), while writes have been
//     carrying several messages: goroutines that are ready to send (a
//     reader handing out results, say) queue behind the leader first and
//     share its write;
//   - through a writer goroutine, when the Send comes back before the last
//     write's duration has passed since it ended: one goroutine sending a
//     burst produces faster than writes complete, so it goes on while the
//     writer writes what piled up.
package coalesce

import "time"

// Tuning. A yield costs a scheduling round (a few microseconds on a small
// VM) and only pays when other goroutines are about to send; so it stays
// on for Warm writes after one that carried several messages, and is
// otherwise tried once every Probe writes, which finds load that starts.
const (
	Warm  = 16
	Probe = 256
)

// Policy is one connection's state. Lead and Wrote are called under the
// connection's write lock: Lead by the Send that found no write under way,
// Wrote by the writer after each write.
type Policy struct {
	warm    int           // writes left with the yield on
	probe   int           // writes to the next probing yield
	lastEnd time.Time     // when the last write ended
	lastDur time.Duration // how long it took
}

// Lead says how the Send that found no write under way at now writes:
// async, leave it to a writer goroutine; else yield first if yield, then
// write in the Send's goroutine.
func (p *Policy) Lead(now time.Time) (async, yield bool) {
	if !p.lastEnd.IsZero() && now.Sub(p.lastEnd) < p.lastDur {
		return true, false
	}
	yield = p.warm > 0 || p.probe == 0
	p.probe = (p.probe + 1) % Probe
	return false, yield
}

// Wrote records a write of n messages from start to end.
func (p *Policy) Wrote(n int, start, end time.Time) {
	p.lastEnd, p.lastDur = end, end.Sub(start)
	switch {
	case n > 1:
		p.warm = Warm
	case p.warm > 0:
		p.warm--
	}
}
