//go:build !amd64 || purego

package aesgcm

import "crypto/cipher"

const (
	fast    = false
	fast256 = false
)

func newVAES([]byte, bool) cipher.AEAD { panic("aesgcm: no kernels on this platform") }
