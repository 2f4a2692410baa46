// Package utf8 validates UTF-8 fast, whole or in pieces, as a WebSocket
// endpoint must for text messages (RFC 6455 §8.1).
//
// The package name shadows the standard library's unicode/utf8; import it
// under an alias where both are needed:
//
//	import (
//		"unicode/utf8"
//
//		abutf8 "github.com/autobahn-go/autobahn/utf8"
//	)
//
// [Valid] answers yes or no. [Validate] also tells ASCII from other valid
// text and, for invalid input, where it breaks: the offset of the first byte
// at which the input stops being the start of any valid UTF-8 (len(p) when
// the input merely ends inside a sequence). A [Validator] checks a message
// that arrives in fragments and fails as soon as the bytes seen so far cannot
// begin valid UTF-8, even inside a sequence split across fragments:
//
//	var v abutf8.Validator
//	for _, frag := range fragments {
//		if !v.Write(frag) {
//			return errInvalidText // fail the connection now (close code 1007)
//		}
//	}
//	if !v.Done() {
//		return errInvalidText
//	}
//
// UTF-8 here is RFC 3629: overlong forms, surrogates (U+D800–U+DFFF) and
// code points above U+10FFFF are invalid, exactly as for unicode/utf8.Valid.
//
// # Implementations
//
// The kernel is registered in [github.com/autobahn-go/autobahn/nvx] as
// "utf8": pure Go ("generic"), AVX2 and AVX-512 on amd64, NEON on arm64, the
// SIMD ones after Keiser and Lemire, "Validating UTF-8 In Less Than One
// Instruction Per Byte" (2021). The fastest one the CPU has is chosen by
// input length; AUTOBAHN_NVX and the purego build tag restrict the choice.
//
// # Concurrency
//
// [Valid] and [Validate] are safe for concurrent use. A [Validator] belongs
// to one message and one goroutine at a time; it does not allocate.
package utf8
