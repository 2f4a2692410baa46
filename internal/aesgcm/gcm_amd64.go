//go:build amd64 && !purego

package aesgcm

import (
	"crypto/cipher"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"unsafe"

	"golang.org/x/sys/cpu"
)

// fast: the 512-bit kernels (AVX-512 with VAES and VPCLMULQDQ; and AES-NI,
// which the single-block encryption and the key schedule use on xmm
// registers: every CPU with VAES has it, the gate says so anyway).
var fast = cpu.X86.HasAVX512F && cpu.X86.HasAVX512BW && cpu.X86.HasAVX512VL &&
	cpu.X86.HasAVX512VAES && cpu.X86.HasAVX512VPCLMULQDQ && cpu.X86.HasAES

// fast256: the 256-bit kernels (AVX2 with VAES and VPCLMULQDQ on ymm
// registers, which golang.org/x/sys/cpu reports only beside AVX-512).
// HasAVX2 implies CPUID leaf 7 and the OS saving the ymm state.
var fast256 = cpu.X86.HasAVX2 && cpu.X86.HasAES && cpu.X86.HasPCLMULQDQ &&
	cpuid7()&(1<<9|1<<10) == 1<<9|1<<10

const (
	nonceSize = 12
	tagSize   = 16
)

var errOpen = errors.New("cipher: message authentication failed")

// vaesGCM is AES-GCM on the 512-bit or the 256-bit kernels: 512 bytes of
// key material (the standard library's AES-GCM holds about 870).
type vaesGCM struct {
	rk     [15][16]byte // expanded encryption key
	rounds int
	keys   [16][16]byte // H^16·x^-1 ... H^1·x^-1, reflected, low qword first
	ymm    bool         // the 256-bit kernels
}

func newVAES(key []byte, ymm bool) *vaesGCM {
	g := &vaesGCM{ymm: ymm}
	g.rounds = expandKey(key, &g.rk)
	var h [16]byte
	encBlock(&g.rk[0][0], g.rounds, &h[0], &h[0])
	hashKeys(&h, &g.keys)
	return g
}

func (*vaesGCM) NonceSize() int { return nonceSize }
func (*vaesGCM) Overhead() int  { return tagSize }

// hashKeys sets keys[16-k] to H^k·x^-1 in the kernels' form, for k = 1..16.
func hashKeys(h *[16]byte, keys *[16][16]byte) {
	hi, lo := binary.BigEndian.Uint64(h[:8]), binary.BigEndian.Uint64(h[8:])
	phi, plo := hi, lo
	for k := 1; k <= 16; k++ {
		if k > 1 {
			phi, plo = gfMul(phi, plo, hi, lo)
		}
		// ·x^-1 in the reflected form: shift left, reduce by 0xc2...01.
		khi, klo := phi<<1|plo>>63, plo<<1
		if phi>>63 != 0 {
			khi ^= 0xc200000000000000
			klo ^= 1
		}
		binary.LittleEndian.PutUint64(keys[16-k][:8], klo)
		binary.LittleEndian.PutUint64(keys[16-k][8:], khi)
	}
}

// gfMul multiplies two elements of GCM's field, each as the big-endian
// halves of its block (NIST SP 800-38D, algorithm 1).
func gfMul(xhi, xlo, yhi, ylo uint64) (zhi, zlo uint64) {
	vhi, vlo := yhi, ylo
	for i := 0; i < 128; i++ {
		var bit uint64
		if i < 64 {
			bit = xhi >> (63 - i) & 1
		} else {
			bit = xlo >> (127 - i) & 1
		}
		m := -bit
		zhi ^= vhi & m
		zlo ^= vlo & m
		r := -(vlo & 1)
		vlo = vlo>>1 | vhi<<63
		vhi = vhi>>1 ^ 0xe100000000000000&r
	}
	return zhi, zlo
}

// ctrKernel and ghashKernel call ctrBlocks and ghashBlocks of g's width.
func (g *vaesGCM) ctrKernel(ctr *[16]byte, dst, src *byte, n int) {
	if g.ymm {
		ctrBlocksAVX2(&g.rk[0][0], g.rounds, ctr, dst, src, n)
		return
	}
	ctrBlocks(&g.rk[0][0], g.rounds, ctr, dst, src, n)
}

func (g *vaesGCM) ghashKernel(y *[16]byte, data *byte, n int) {
	if g.ymm {
		ghashBlocksAVX2(&g.keys, y, data, n)
		return
	}
	ghashBlocks(&g.keys, y, data, n)
}

// ghash folds b (any length; a partial last block is padded with zeros)
// into y.
func (g *vaesGCM) ghash(y *[16]byte, b []byte) {
	if n := len(b) / 16; n > 0 {
		g.ghashKernel(y, &b[0], n)
		b = b[n*16:]
	}
	if len(b) > 0 {
		var last [16]byte
		copy(last[:], b)
		g.ghashKernel(y, &last[0], 1)
	}
}

// ctr XORs src with the key stream from counter block *ctr into dst.
func (g *vaesGCM) ctr(ctr *[16]byte, dst, src []byte) {
	if n := len(src) / 16; n > 0 {
		g.ctrKernel(ctr, &dst[0], &src[0], n)
		dst, src = dst[n*16:], src[n*16:]
	}
	if len(src) > 0 {
		var ks [16]byte
		copy(ks[:], src)
		g.ctrKernel(ctr, &ks[0], &ks[0], 1)
		copy(dst, ks[:len(src)])
	}
}

// tag computes the tag of ciphertext ct with additional data ad.
func (g *vaesGCM) tag(out *[16]byte, j0 *[16]byte, ct, ad []byte) {
	var y, lens [16]byte
	g.ghash(&y, ad)
	g.ghash(&y, ct)
	lengths(lens[:], len(ad), len(ct))
	g.ghashKernel(&y, &lens[0], 1)
	encBlock(&g.rk[0][0], g.rounds, &out[0], &j0[0])
	finish(out[:], &y)
}

func counters(nonce []byte) (j0, ctr [16]byte) {
	copy(j0[:], nonce)
	j0[15] = 1
	ctr = j0
	ctr[15] = 2
	return j0, ctr
}

func (g *vaesGCM) Seal(dst, nonce, plaintext, additionalData []byte) []byte {
	if len(nonce) != nonceSize {
		panic("aesgcm: incorrect nonce length given to GCM")
	}
	if uint64(len(plaintext)) > (1<<32-2)*16 {
		panic("aesgcm: message too large for GCM")
	}
	ret, out := sliceForAppend(dst, len(plaintext)+tagSize)
	if inexactOverlap(out, plaintext) {
		panic("aesgcm: invalid buffer overlap of output and input")
	}
	if anyOverlap(out, additionalData) {
		panic("aesgcm: invalid buffer overlap of output and additional data")
	}
	if len(plaintext) <= smallMax && len(additionalData) <= 16 {
		g.sealSmall(out, nonce, plaintext, additionalData)
		return ret
	}
	j0, ctr := counters(nonce)
	ct := out[:len(plaintext)]
	g.ctr(&ctr, ct, plaintext)
	var t [16]byte
	g.tag(&t, &j0, ct, additionalData)
	copy(out[len(plaintext):], t[:])
	return ret
}

// smallMax is the longest plaintext that takes the two-call path: small
// records (a 32-byte WebSocket message) would otherwise pay for seven
// calls into the kernels.
const smallMax = 240

// small lays out, in s, pad16(ad) at 0 (or the counter block J0's key
// stream), the message at 16 padded with zeros, and the lengths block
// after it; it returns the number of blocks up to the lengths block.
func small(s *[smallMax + 48]byte, n int) (nb int) {
	nb = 1 + (n+15)/16
	clear(s[16+n : 16*nb])
	return nb
}

// lengths writes GHASH's last block: the bit lengths of the additional
// data and of the message.
func lengths(s []byte, adLen, n int) {
	binary.BigEndian.PutUint64(s[:8], uint64(adLen)*8)
	binary.BigEndian.PutUint64(s[8:16], uint64(n)*8)
}

// hashSmall hashes the layout of small (ad at 0 already) and returns S.
func (g *vaesGCM) hashSmall(s *[smallMax + 48]byte, nb, adLen, n int) (y [16]byte) {
	lengths(s[16*nb:], adLen, n)
	from := 0
	if adLen == 0 {
		from = 16
	}
	g.ghashKernel(&y, &s[from], nb+1-from/16)
	return y
}

// finish XORs the reflected GHASH state y, as a block (its byte
// reversal), into mask.
func finish(mask []byte, y *[16]byte) {
	le, be := binary.LittleEndian, binary.BigEndian
	be.PutUint64(mask[:8], be.Uint64(mask[:8])^le.Uint64(y[8:]))
	be.PutUint64(mask[8:16], be.Uint64(mask[8:16])^le.Uint64(y[:8]))
}

func (g *vaesGCM) sealSmall(out, nonce, pt, ad []byte) {
	var s [smallMax + 48]byte
	n := len(pt)
	copy(s[16:], pt)
	nb := (16 + n + 15) / 16
	j0, _ := counters(nonce)
	g.ctrKernel(&j0, &s[0], &s[0], nb) // J0's key stream, then the message's
	copy(out, s[16:16+n])
	var mask [16]byte
	copy(mask[:], s[:16])
	small(&s, n)
	clear(s[:16])
	copy(s[:16], ad)
	y := g.hashSmall(&s, nb, len(ad), n)
	finish(mask[:], &y)
	copy(out[n:], mask[:])
}

func (g *vaesGCM) openSmall(out, nonce, ct, want, ad []byte) error {
	var s [smallMax + 48]byte
	n := len(ct)
	copy(s[:16], ad)
	copy(s[16:], ct)
	nb := small(&s, n)
	y := g.hashSmall(&s, nb, len(ad), n)
	clear(s[:16])
	j0, _ := counters(nonce)
	g.ctrKernel(&j0, &s[0], &s[0], nb)
	finish(s[:16], &y)
	if subtle.ConstantTimeCompare(s[:16], want) != 1 {
		clear(out)
		clear(s[:])
		return errOpen
	}
	copy(out, s[16:16+n])
	return nil
}

func (g *vaesGCM) Open(dst, nonce, ciphertext, additionalData []byte) ([]byte, error) {
	if len(nonce) != nonceSize {
		panic("aesgcm: incorrect nonce length given to GCM")
	}
	if len(ciphertext) < tagSize || uint64(len(ciphertext)) > (1<<32-2)*16+tagSize {
		return nil, errOpen
	}
	ct, want := ciphertext[:len(ciphertext)-tagSize], ciphertext[len(ciphertext)-tagSize:]
	ret, out := sliceForAppend(dst, len(ct))
	if inexactOverlap(out, ciphertext) {
		panic("aesgcm: invalid buffer overlap of output and input")
	}
	if anyOverlap(out, additionalData) {
		panic("aesgcm: invalid buffer overlap of output and additional data")
	}
	if len(ct) <= smallMax && len(additionalData) <= 16 {
		if err := g.openSmall(out, nonce, ct, want, additionalData); err != nil {
			return nil, err
		}
		return ret, nil
	}
	j0, ctr := counters(nonce)
	var t [16]byte
	g.tag(&t, &j0, ct, additionalData)
	if subtle.ConstantTimeCompare(t[:], want) != 1 {
		clear(out)
		return nil, errOpen
	}
	g.ctr(&ctr, out, ct)
	return ret, nil
}

// sliceForAppend extends in by n bytes: head is the whole, tail the new part.
func sliceForAppend(in []byte, n int) (head, tail []byte) {
	if total := len(in) + n; cap(in) >= total {
		head = in[:total]
	} else {
		head = make([]byte, total)
		copy(head, in)
	}
	return head, head[len(in):]
}

// inexactOverlap reports whether x and y share memory at different offsets.
func inexactOverlap(x, y []byte) bool {
	if len(x) == 0 || len(y) == 0 || &x[0] == &y[0] {
		return false
	}
	return anyOverlap(x, y)
}

// anyOverlap reports whether x and y share any memory. The output may not
// overlap the additional data at all, as for the standard library: Seal
// writes the ciphertext before it hashes the additional data.
func anyOverlap(x, y []byte) bool {
	if len(x) == 0 || len(y) == 0 {
		return false
	}
	xs, ys := uintptr(unsafe.Pointer(&x[0])), uintptr(unsafe.Pointer(&y[0]))
	return xs < ys+uintptr(len(y)) && ys < xs+uintptr(len(x))
}

var _ cipher.AEAD = (*vaesGCM)(nil)
