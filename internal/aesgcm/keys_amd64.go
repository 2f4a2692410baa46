//go:build amd64 && !purego

package aesgcm

import "encoding/binary"

// sbox is AES's S-box, computed from its definition (FIPS 197, 5.1.1):
// the inverse in GF(2^8) modulo x^8+x^4+x^3+x+1, then the affine map.
var sbox = func() (s [256]byte) {
	// Powers of the generator 3 enumerate the field's nonzero elements.
	var exp, log [256]byte
	x := byte(1)
	for i := 0; i < 255; i++ {
		exp[i], log[x] = x, byte(i)
		x ^= xtime(x) // x·3
	}
	for a := 0; a < 256; a++ {
		var inv byte
		if a != 0 {
			inv = exp[(255-int(log[a]))%255]
		}
		b := inv
		s[a] = b ^ rotl(b, 1) ^ rotl(b, 2) ^ rotl(b, 3) ^ rotl(b, 4) ^ 0x63
	}
	return s
}()

func xtime(x byte) byte {
	if x&0x80 != 0 {
		return x<<1 ^ 0x1b
	}
	return x << 1
}

func rotl(b byte, n uint) byte { return b<<n | b>>(8-n) }

func subWord(w uint32) uint32 {
	return uint32(sbox[w>>24])<<24 | uint32(sbox[w>>16&0xff])<<16 | uint32(sbox[w>>8&0xff])<<8 | uint32(sbox[w&0xff])
}

// expandKey writes the encryption round keys of key (16 or 32 bytes) in
// the byte order AESENC takes them (FIPS 197, 5.2) and returns the number
// of rounds.
func expandKey(key []byte, rk *[15][16]byte) int {
	nk := len(key) / 4
	rounds := nk + 6
	var w [60]uint32
	for i := 0; i < nk; i++ {
		w[i] = binary.BigEndian.Uint32(key[4*i:])
	}
	rcon := uint32(1)
	for i := nk; i < 4*(rounds+1); i++ {
		t := w[i-1]
		switch {
		case i%nk == 0:
			t = subWord(t<<8|t>>24) ^ rcon<<24
			rcon = uint32(xtime(byte(rcon)))
		case nk > 6 && i%nk == 4:
			t = subWord(t)
		}
		w[i] = w[i-nk] ^ t
	}
	for i := 0; i < 4*(rounds+1); i++ {
		binary.BigEndian.PutUint32(rk[i/4][4*(i%4):], w[i])
	}
	return rounds
}
