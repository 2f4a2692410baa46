package router

// A plain call's invocation is the one allocation of a routed call that
// the router makes for itself (its INVOCATION and RESULT go out to the
// transports): the realm keeps the finished ones in a free list and the
// next CALL takes one from it. With the CALL and YIELD that the
// serializer decodes and the INVOCATION and RESULT that go out, fewer
// bytes per call mean fewer collections: with many sessions connected
// each collection marks all of their state, idle or not.

// invFreeMax bounds a realm's free list: at most this many invocations
// (128 bytes each) stay allocated once the calls in flight are answered.
const invFreeMax = 64

// newInvocation returns a zeroed invocation, a recycled one when the realm
// has one. It is called with the realm's lock held.
func (rm *realm) newInvocation() *invocation {
	if n := len(rm.invFree); n > 0 {
		inv := rm.invFree[n-1]
		rm.invFree[n-1] = nil
		rm.invFree = rm.invFree[:n-1]
		return inv
	}
	return new(invocation)
}

// recycle puts inv, which finish has forgotten, on the realm's free list
// when nothing else can reach it any more: neither maps (finish removed
// it from both sessions') nor a timer's func (no call timeout: none was
// armed) nor the fabric (a router on one keeps its invocations as they
// are). Called with the realm's lock held, after the last use of inv.
func (rm *realm) recycle(inv *invocation) {
	if !inv.done || inv.timeout > 0 || inv.timer != nil || rm.r.cfg.Fabric != nil || len(rm.invFree) >= invFreeMax {
		return
	}
	*inv = invocation{}
	rm.invFree = append(rm.invFree, inv)
}
