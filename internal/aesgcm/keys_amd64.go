//go:build amd64 && !purego

package aesgcm

// expandKey writes the encryption round keys of key (16 or 32 bytes) in
// the byte order AESENC takes them (FIPS 197, 5.2) and returns the number
// of rounds. The kernels take the S-box from AESKEYGENASSIST: the key
// schedule, as the rest, touches no memory at an address that depends on
// the key.
func expandKey(key []byte, rk *[15][16]byte) int {
	if len(key) == 16 {
		expandKey128((*[16]byte)(key), rk)
		return 10
	}
	expandKey256((*[32]byte)(key), rk)
	return 14
}
