// Package nvx is the home of Autobahn|Go's "network accelerator" kernels: it
// knows which SIMD features the CPU has, which implementations of each kernel
// exist, and which one is in use.
//
// Kernel packages (xor, utf8) register every implementation they were built
// with at init:
//
//	nvx.Register("xor", "avx2", cpu.X86.HasAVX2)
//
// and ask [Allowed] when they choose one, so the AUTOBAHN_NVX environment
// switch is honoured. Tests and benchmarks walk [List], force one
// implementation with [Select] and go back to the automatic choice with
// [Reset]:
//
//	for _, name := range nvx.List("xor") {
//		nvx.Select("xor", name)
//		// ... run the kernel ...
//	}
//	nvx.Reset("xor")
//
// # Implementation names
//
// An implementation is named after the instruction set it needs: "generic"
// (pure Go, always there), "sse2", "avx2", "avx512" on amd64 and "neon" on
// arm64. The names are ordered: on amd64 generic < sse2 < avx2 < avx512, on
// arm64 generic < neon.
//
// # Environment
//
// AUTOBAHN_NVX is read once, lazily, on the first question asked of the
// package (never at init, so `go test` caches see it). It is a comma-separated
// list of:
//
//	off, generic     only the pure-Go implementations
//	sse2, avx2, ...  a cap: nothing above this level
//	no<name>         switch one level off, e.g. noavx512
//	on, auto, ""     everything the CPU has (the default)
//
// Unknown words are reported by [Report] and otherwise ignored. Builds with
// the purego tag contain no assembly at all, whatever the environment says.
//
// # Concurrency
//
// Every function is safe for concurrent use. [Select] and [Reset] are meant
// for tests and benchmarks: they change the implementation used by every
// goroutine of the process.
package nvx
