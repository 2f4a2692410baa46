package eventloop

import "runtime"

// Every Handler callback is made through one of these four functions, so
// that InCallback can find them on a goroutine's stack. They must not be
// inlined.

//go:noinline
func callOpen(h Handler, c *Conn) { h.OnOpen(c) }

//go:noinline
func callData(h Handler, c *Conn, in []byte) int { return h.OnData(c, in) }

//go:noinline
func callWritable(h Handler, c *Conn) { h.OnWritable(c) }

//go:noinline
func callClose(h Handler, c *Conn, err error) { h.OnClose(c, err) }

// callPCs are the return addresses of the Handler calls inside the four
// call functions, as runtime.Callers reports them from a callback: a probe
// Handler records them once.
var callPCs = func() (pcs [4]uintptr) {
	p := &probe{}
	callOpen(p, nil)
	pcs[0] = p.pc
	callData(p, nil, nil)
	pcs[1] = p.pc
	callWritable(p, nil)
	pcs[2] = p.pc
	callClose(p, nil, nil)
	pcs[3] = p.pc
	return pcs
}()

// probe records, in each callback, the return address in its caller. Its
// methods have a pointer receiver, so an interface call reaches them with
// no wrapper frame between.
type probe struct{ pc uintptr }

func (p *probe) OnOpen(*Conn)             { p.pc = callerPC() }
func (p *probe) OnData(*Conn, []byte) int { p.pc = callerPC(); return 0 }
func (p *probe) OnWritable(*Conn)         { p.pc = callerPC() }
func (p *probe) OnClose(*Conn, error)     { p.pc = callerPC() }

// callerPC returns the return address in its caller's caller.
//
//go:noinline
func callerPC() uintptr {
	var pc [1]uintptr
	runtime.Callers(3, pc[:]) // runtime.Callers, callerPC, the probe method
	return pc[0]
}

// InCallback reports whether the calling goroutine is running a Handler
// callback, of any Loop and any connection (or a function the callback
// called, at any depth). A goroutine started from a callback is not in one.
//
// Code that may run both inside and outside callbacks uses it to decide
// whether it may wait for a peer: a callback that waits for its own loop to
// make progress waits forever. It walks the caller's stack (about a
// microsecond for a few dozen frames), so it is meant for rare paths, such
// as a write that finds the queue past its high watermark.
func InCallback() bool {
	var pcs [64]uintptr
	skip := 2 // runtime.Callers and InCallback
	for {
		n := runtime.Callers(skip, pcs[:])
		for _, pc := range pcs[:n] {
			if pc == callPCs[0] || pc == callPCs[1] || pc == callPCs[2] || pc == callPCs[3] {
				return true
			}
		}
		if n < len(pcs) {
			return false
		}
		skip += n
	}
}
