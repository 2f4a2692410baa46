package nvx

import (
	"runtime"

	"golang.org/x/sys/cpu"
)

// Features are the CPU capabilities the kernels care about, as the operating
// system reports them usable (AVX state enabled in XCR0, and so on).
type Features struct {
	SSE2     bool // amd64 baseline
	SSSE3    bool
	SSE41    bool
	AVX2     bool
	BMI2     bool
	AVX512F  bool
	AVX512BW bool // byte/word AVX-512, needed for byte-masked loads and stores
	AVX512VL bool
	NEON     bool // arm64 Advanced SIMD (ASIMD), arm64 baseline
}

// CPU returns the features of the machine the process runs on.
func CPU() Features {
	return Features{
		SSE2:     cpu.X86.HasSSE2,
		SSSE3:    cpu.X86.HasSSSE3,
		SSE41:    cpu.X86.HasSSE41,
		AVX2:     cpu.X86.HasAVX2,
		BMI2:     cpu.X86.HasBMI2,
		AVX512F:  cpu.X86.HasAVX512F,
		AVX512BW: cpu.X86.HasAVX512BW,
		AVX512VL: cpu.X86.HasAVX512VL,
		NEON:     runtime.GOARCH == "arm64" && cpu.ARM64.HasASIMD,
	}
}

// Names lists the features that are present, in a stable order.
func (f Features) Names() []string {
	var out []string
	add := func(ok bool, name string) {
		if ok {
			out = append(out, name)
		}
	}
	add(f.SSE2, "sse2")
	add(f.SSSE3, "ssse3")
	add(f.SSE41, "sse4.1")
	add(f.AVX2, "avx2")
	add(f.BMI2, "bmi2")
	add(f.AVX512F, "avx512f")
	add(f.AVX512BW, "avx512bw")
	add(f.AVX512VL, "avx512vl")
	add(f.NEON, "neon")
	return out
}
