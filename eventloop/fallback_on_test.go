//go:build linux && eventloop_goroutines

package eventloop

// fallback says the tests run the goroutine-per-connection implementation.
const fallback = true
