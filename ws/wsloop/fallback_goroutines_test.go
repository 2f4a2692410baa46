//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly) || eventloop_goroutines

package wsloop_test

// goroutineFallback reports whether eventloop runs on its
// goroutine-per-connection fallback: a goroutine per connection by design,
// and a peer's reset noticed only once a paused connection reads again.
const goroutineFallback = true
