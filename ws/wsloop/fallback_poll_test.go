//go:build (linux || darwin || freebsd || netbsd || openbsd || dragonfly) && !eventloop_goroutines

package wsloop_test

// goroutineFallback reports whether eventloop runs on its
// goroutine-per-connection fallback (see fallback_goroutines_test.go).
const goroutineFallback = false
