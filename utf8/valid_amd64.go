//go:build !purego

package utf8

import (
	"encoding/binary"
	"sync/atomic"

	"github.com/autobahn-go/autobahn/nvx"
	"golang.org/x/sys/cpu"
)

const kernel = "utf8"

var (
	hasAVX2   = cpu.X86.HasAVX2
	hasAVX512 = cpu.X86.HasAVX512F && cpu.X86.HasAVX512BW && cpu.X86.HasAVX512VL &&
		cpu.X86.HasAVX512VBMI && cpu.X86.HasBMI2
)

func init() {
	nvx.Register(kernel, "generic", true)
	nvx.Register(kernel, "avx2", hasAVX2)
	nvx.Register(kernel, "avx512", hasAVX512)
	nvx.Watch(kernel, func() { current.Store(nil) })
}

// config is the dispatch choice, resolved on first use and dropped when a
// test selects an implementation.
type config struct {
	avx2, avx512       bool
	minAVX2, minAVX512 int // shortest input for which each one beats the level below
}

var current atomic.Pointer[config]

// Measured on AMD EPYC Zen 4 with BenchmarkThreshold (see BENCHMARKS.md,
// "Kernels: UTF-8"), for text that is not all ASCII (short ASCII never
// reaches a kernel): generic beats AVX2 on 4-byte inputs, AVX2 wins from
// 8 bytes on; AVX-512, with its one-vector kernel for inputs of at most
// 32 bytes, wins at every length.
const (
	minAVX2   = 8
	minAVX512 = 0
)

// maxASCIIScan is the length up to which the dispatch scans ASCII in Go
// before the AVX2 kernel (see kernelStart). Measured on AMD EPYC with
// BenchmarkShort: on ASCII the scan costs less than the kernel's partial
// block up to about 256 bytes; 192 leaves room for text whose first byte
// that is not ASCII comes last, where the kernel runs after a whole scan.
const maxASCIIScan = 192

// kernelStart returns where the AVX2 kernel is to start on p, longer than
// 32 bytes and not a multiple of 32 long (the kernel copies its last partial
// 32-byte block to a padded buffer, which costs more than a scan of a short
// input in Go): len(p) when p is all ASCII; else, when p[:len(p)%32] is
// ASCII, past the ASCII 32-byte blocks that follow it, so that the kernel
// sees whole blocks only; else 0. All before the start is ASCII, so it is a
// character boundary.
func kernelStart(p []byte) int {
	n := len(p)
	j := n % 32
	if !isASCIISmall(p[:j]) {
		return 0
	}
	for ; j < n; j += 32 {
		if ascii32(p[j:j+32]) != 0 {
			break
		}
	}
	return j
}

// scanFirst reports whether the dispatch runs kernelStart before the AVX2
// kernel: on inputs longer than 32 bytes, up to maxASCIIScan and not a
// multiple of 32, that begin with 8 ASCII bytes (text that does not goes
// straight to the kernel, at the cost of one load).
func scanFirst(p []byte) bool {
	n := len(p)
	return n > smallASCII && n <= maxASCIIScan && n%32 != 0 && binary.LittleEndian.Uint64(p)&hiBits == 0
}

// ascii32 returns the high bits of the four words of q, 32 bytes long, ORed
// together: 0 when q is all ASCII.
func ascii32(q []byte) uint64 {
	le := binary.LittleEndian
	q = q[:32]
	return (le.Uint64(q) | le.Uint64(q[8:]) | le.Uint64(q[16:]) | le.Uint64(q[24:])) & hiBits
}

func loadConfig() *config {
	if c := current.Load(); c != nil {
		return c
	}
	return resolveConfig()
}

// resolveHook, when a test sets it, runs between reading the selection and
// storing the config built from it.
var resolveHook func()

// resolveConfig builds the config for the current selection. A Select or
// Reset between reading the selection and storing the config has already
// dropped the cached one (its watcher stores nil), so resolveConfig stores
// again until the selection it built from is still current after the
// store: a stale config never sticks.
func resolveConfig() *config {
	for {
		sel := nvx.Selected(kernel)
		c := &config{
			avx2:      hasAVX2 && nvx.Allowed("avx2"),
			avx512:    hasAVX512 && nvx.Allowed("avx512"),
			minAVX2:   minAVX2,
			minAVX512: minAVX512,
		}
		if sel != "" {
			c = &config{avx2: sel == "avx2", avx512: sel == "avx512"}
		}
		if resolveHook != nil {
			resolveHook()
		}
		current.Store(c)
		if nvx.Selected(kernel) == sel {
			return c
		}
	}
}

// valid is validate for Valid: the same choice, without building a Result.
func valid(p []byte) bool {
	c := loadConfig()
	switch {
	case c.avx512 && len(p) <= 32:
		return validateSmallAVX512(p) < 0
	case len(p) <= smallASCII && isASCIISmall(p):
		return true
	case c.avx512 && len(p) >= c.minAVX512:
		return validateAVX512(p) < 0
	case c.avx2 && len(p) >= c.minAVX2:
		if scanFirst(p) {
			i := kernelStart(p)
			if i == len(p) {
				return true
			}
			p = p[i:]
		}
		return validateAVX2(p) < 0
	default:
		return validateGeneric(p).Kind != Invalid
	}
}

// validate dispatches to the best kernel for the length; short ASCII is
// answered in Go.
func validate(p []byte) Result {
	c := loadConfig()
	switch {
	case c.avx512 && len(p) <= 32:
		return fromKernel(p, validateSmallAVX512(p))
	case len(p) <= smallASCII && isASCIISmall(p):
		return Result{Kind: ASCII, Offset: len(p)}
	case c.avx512 && len(p) >= c.minAVX512:
		return fromKernel(p, validateAVX512(p))
	case c.avx2 && len(p) >= c.minAVX2:
		if scanFirst(p) {
			i := kernelStart(p)
			if i == len(p) {
				return Result{Kind: ASCII, Offset: i}
			}
			r := fromKernel(p[i:], validateAVX2(p[i:]))
			r.Offset += i
			return r
		}
		return fromKernel(p, validateAVX2(p))
	default:
		return validateGeneric(p)
	}
}

// implementations lists the implementations this CPU can run, for tests
// that call them directly.
func implementations() map[string]func([]byte) Result {
	m := map[string]func([]byte) Result{"generic": validateGeneric}
	if hasAVX2 {
		m["avx2"] = func(p []byte) Result { return fromKernel(p, validateAVX2(p)) }
	}
	if hasAVX512 {
		m["avx512"] = func(p []byte) Result { return fromKernel(p, validateAVX512(p)) }
		m["avx512small"] = func(p []byte) Result {
			if len(p) > 32 {
				return fromKernel(p, validateAVX512(p))
			}
			return fromKernel(p, validateSmallAVX512(p))
		}
	}
	return m
}

// fromKernel turns the answer of a SIMD kernel into a Result: -1 valid ASCII,
// -2 valid UTF-8, otherwise the position of the first byte that the lookup
// algorithm flags (at most len(p) for a truncated ending). The lookup
// algorithm flags the byte after a lead byte that can never be valid (C0, C1,
// F5–FF); the offset we report is the lead byte itself.
func fromKernel(p []byte, r int) Result {
	switch r {
	case -1:
		return Result{Kind: ASCII, Offset: len(p)}
	case -2:
		return Result{Kind: UTF8, Offset: len(p)}
	}
	if r > len(p) {
		r = len(p)
	}
	if r > 0 && badLead(p[r-1]) {
		r--
	}
	return Result{Kind: Invalid, Offset: r}
}

// badLead reports whether b can never appear in UTF-8.
func badLead(b byte) bool { return b == 0xC0 || b == 0xC1 || b >= 0xF5 }
