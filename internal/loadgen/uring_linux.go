package loadgen

import (
	"errors"
	"fmt"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The io_uring ABI (include/uapi/linux/io_uring.h), the part the uring
// engine uses: the setup parameters, the mmap offsets of the rings, the
// layout of a submission (SQE, 64 bytes) and completion (CQE, 16 bytes)
// entry, two opcodes and the enter flags.
const (
	uringOffSQRing = 0
	uringOffCQRing = 0x8000000
	uringOffSQEs   = 0x10000000

	uringSetupCQSize       = 1 << 3
	uringSetupSingleIssuer = 1 << 12
	uringSetupDeferTaskrun = 1 << 13

	uringFeatSingleMmap = 1 << 0
	uringFeatNoDrop     = 1 << 1
	uringFeatExtArg     = 1 << 8
	uringFeatMinTimeout = 1 << 15

	uringEnterGetEvents = 1 << 0
	uringEnterExtArg    = 1 << 3

	uringOpSend = 26
	uringOpRecv = 27

	// uringRecvSendPollFirst (in the SQE's ioprio) skips the first
	// attempt of a recv and waits for readiness at once: a recv re-armed
	// right after the echo it read would otherwise fail once first.
	uringRecvSendPollFirst = 1 << 0

	sqeSize = 64
	cqeSize = 16
)

// uringParams is struct io_uring_params (120 bytes).
type uringParams struct {
	sqEntries, cqEntries, flags, sqThreadCPU, sqThreadIdle, features, wqFD uint32
	resv                                                                   [3]uint32
	sqOff                                                                  sqRingOffsets
	cqOff                                                                  cqRingOffsets
}

// sqRingOffsets is struct io_sqring_offsets: where the fields of the
// submission ring are in its mapping.
type sqRingOffsets struct {
	head, tail, ringMask, ringEntries, flags, dropped, array, resv1 uint32
	userAddr                                                        uint64
}

// cqRingOffsets is struct io_cqring_offsets.
type cqRingOffsets struct {
	head, tail, ringMask, ringEntries, overflow, cqes, flags, resv1 uint32
	userAddr                                                        uint64
}

// sqe is struct io_uring_sqe, as far as IORING_OP_SEND and _RECV use it.
type sqe struct {
	opcode   uint8
	flags    uint8
	ioprio   uint16
	fd       int32
	off      uint64
	addr     uint64
	len      uint32
	msgFlags uint32
	userData uint64
	_        [24]byte
}

// cqe is struct io_uring_cqe.
type cqe struct {
	userData uint64
	res      int32
	flags    uint32
}

// geteventsArg is struct io_uring_getevents_arg, for a bounded wait.
type geteventsArg struct {
	sigmask   uint64
	sigmaskSz uint32
	minWait   uint32
	ts        uint64
}

// uring is one io_uring instance: a submission queue the engine fills and
// hands over with enter, a completion queue it reaps. It is not safe for
// concurrent use; with IORING_SETUP_SINGLE_ISSUER only the thread that
// created it may submit, so its owner locks its OS thread first.
type uring struct {
	fd      int
	sqMem   []byte // SQ ring (and CQ ring, with a single mmap)
	cqMem   []byte // CQ ring when mapped apart, else nil
	sqeMem  []byte
	sqHead  *uint32 // the kernel's: what it has consumed
	sqTail  *uint32 // ours
	sqMask  uint32
	sqTailV uint32  // our tail, stored to sqTail by enter
	cqHead  *uint32 // ours
	cqTail  *uint32 // the kernel's
	cqMask  uint32
	cqes    unsafe.Pointer
	// minTimeout: the kernel (6.12 or later) takes a minimum wait, after
	// which a wait for a batch ends with any completion.
	minTimeout bool

	// arg and ts live on the heap, so the pointer to ts in arg stays
	// valid while enter waits.
	arg geteventsArg
	ts  unix.Timespec
}

// newURing sets up a ring of sqEntries submission and cqEntries completion
// entries (powers of two). It asks for a single issuer with deferred task
// work (completions are then processed in enter, on the submitting
// thread), falling back to a plain ring on a kernel without them.
func newURing(sqEntries, cqEntries uint32) (*uring, error) {
	var p uringParams
	var fd uintptr
	var errno syscall.Errno
	for _, fl := range []uint32{uringSetupCQSize | uringSetupSingleIssuer | uringSetupDeferTaskrun, uringSetupCQSize} {
		p = uringParams{sqEntries: sqEntries, cqEntries: cqEntries, flags: fl}
		fd, _, errno = unix.Syscall(unix.SYS_IO_URING_SETUP, uintptr(sqEntries), uintptr(unsafe.Pointer(&p)), 0)
		if errno != unix.EINVAL {
			break
		}
	}
	if errno != 0 {
		return nil, fmt.Errorf("loadgen: io_uring_setup: %w", errno)
	}
	r := &uring{fd: int(fd)}
	if p.features&(uringFeatNoDrop|uringFeatExtArg) != uringFeatNoDrop|uringFeatExtArg {
		r.close()
		return nil, errors.New("loadgen: io_uring lacks IORING_FEAT_NODROP or EXT_ARG (kernel 5.11 or later needed)")
	}
	sqLen := int(p.sqOff.array) + int(p.sqEntries)*4
	cqLen := int(p.cqOff.cqes) + int(p.cqEntries)*cqeSize
	r.minTimeout = p.features&uringFeatMinTimeout != 0
	single := p.features&uringFeatSingleMmap != 0
	if single {
		sqLen = max(sqLen, cqLen)
	}
	var err error
	if r.sqMem, err = unix.Mmap(r.fd, uringOffSQRing, sqLen, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_POPULATE); err != nil {
		r.close()
		return nil, fmt.Errorf("loadgen: io_uring mmap: %w", err)
	}
	cq := r.sqMem
	if !single {
		if r.cqMem, err = unix.Mmap(r.fd, uringOffCQRing, cqLen, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_POPULATE); err != nil {
			r.close()
			return nil, fmt.Errorf("loadgen: io_uring mmap: %w", err)
		}
		cq = r.cqMem
	}
	if r.sqeMem, err = unix.Mmap(r.fd, uringOffSQEs, int(p.sqEntries)*sqeSize, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_POPULATE); err != nil {
		r.close()
		return nil, fmt.Errorf("loadgen: io_uring mmap: %w", err)
	}
	r.sqHead = (*uint32)(unsafe.Pointer(&r.sqMem[p.sqOff.head]))
	r.sqTail = (*uint32)(unsafe.Pointer(&r.sqMem[p.sqOff.tail]))
	r.sqMask = *(*uint32)(unsafe.Pointer(&r.sqMem[p.sqOff.ringMask]))
	r.sqTailV = atomic.LoadUint32(r.sqTail)
	// SQE i always sits in slot i: the indirection array is the identity.
	for i := range p.sqEntries {
		*(*uint32)(unsafe.Pointer(&r.sqMem[p.sqOff.array+4*i])) = i
	}
	r.cqHead = (*uint32)(unsafe.Pointer(&cq[p.cqOff.head]))
	r.cqTail = (*uint32)(unsafe.Pointer(&cq[p.cqOff.tail]))
	r.cqMask = *(*uint32)(unsafe.Pointer(&cq[p.cqOff.ringMask]))
	r.cqes = unsafe.Pointer(&cq[p.cqOff.cqes])
	return r, nil
}

// getSQE returns the next free submission entry, zeroed, submitting what
// is queued first when the queue is full (the engine sizes the queue so
// that it never is).
func (r *uring) getSQE() (*sqe, error) {
	if r.sqTailV-atomic.LoadUint32(r.sqHead) > r.sqMask {
		if err := r.enter(0, 0, 0); err != nil {
			return nil, err
		}
		if r.sqTailV-atomic.LoadUint32(r.sqHead) > r.sqMask {
			return nil, errors.New("loadgen: io_uring submission queue full")
		}
	}
	e := (*sqe)(unsafe.Pointer(&r.sqeMem[(r.sqTailV&r.sqMask)*sqeSize]))
	*e = sqe{}
	r.sqTailV++
	return e, nil
}

// prep queues op (send or recv) of n bytes at p on fd with ioprio's
// flags, tagged with ud.
func (r *uring) prep(op uint8, ioprio uint16, fd int, p unsafe.Pointer, n int, ud uint64) error {
	e, err := r.getSQE()
	if err != nil {
		return err
	}
	e.opcode, e.ioprio, e.fd, e.addr, e.len, e.userData = op, ioprio, int32(fd), uint64(uintptr(p)), uint32(n), ud
	return nil
}

// enter submits what is queued and, with wait > 0, waits up to wait for
// at least minComplete completions; with minWait > 0 (and a kernel that
// has it) the wait for minComplete ends after minWait if one or more
// completions are ready. A timeout or an interrupted wait is not an
// error.
func (r *uring) enter(minComplete uint32, wait, minWait time.Duration) error {
	atomic.StoreUint32(r.sqTail, r.sqTailV) // release: the SQEs are written
	flags, arg, argSz := uintptr(0), uintptr(0), uintptr(0)
	if wait > 0 {
		r.ts = unix.NsecToTimespec(int64(wait))
		r.arg = geteventsArg{ts: uint64(uintptr(unsafe.Pointer(&r.ts)))}
		if r.minTimeout {
			r.arg.minWait = uint32(minWait.Microseconds())
		}
		flags, arg, argSz = uringEnterGetEvents|uringEnterExtArg, uintptr(unsafe.Pointer(&r.arg)), unsafe.Sizeof(r.arg)
	} else {
		minComplete = 0
	}
	// What the kernel has not consumed yet (it moves the head as it
	// submits, also when enter then fails).
	toSubmit := r.sqTailV - atomic.LoadUint32(r.sqHead)
	_, _, errno := unix.Syscall6(unix.SYS_IO_URING_ENTER, uintptr(r.fd), uintptr(toSubmit), uintptr(minComplete), flags, arg, argSz)
	switch errno {
	case 0, unix.ETIME, unix.EINTR, unix.EBUSY, unix.EAGAIN:
		// A wait that timed out or was interrupted; EBUSY and EAGAIN
		// ask to reap first.
		return nil
	}
	return fmt.Errorf("loadgen: io_uring_enter: %w", errno)
}

// reap calls f for every completion ready, then frees their slots.
func (r *uring) reap(f func(c *cqe)) int {
	head, tail := *r.cqHead, atomic.LoadUint32(r.cqTail) // acquire: the CQEs are written
	for i := head; i != tail; i++ {
		f((*cqe)(unsafe.Add(r.cqes, uintptr(i&r.cqMask)*cqeSize)))
	}
	atomic.StoreUint32(r.cqHead, tail) // release: the slots are free
	return int(tail - head)
}

// close unmaps the rings and closes the ring's fd. Operations still in
// flight are cancelled by the kernel; the caller makes sure none is left
// that writes to memory it frees.
func (r *uring) close() {
	for _, m := range [][]byte{r.sqeMem, r.cqMem, r.sqMem} {
		if m != nil {
			_ = unix.Munmap(m)
		}
	}
	r.sqeMem, r.cqMem, r.sqMem = nil, nil, nil
	if r.fd >= 0 {
		_ = unix.Close(r.fd)
		r.fd = -1
	}
}
