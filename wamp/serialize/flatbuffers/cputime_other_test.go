//go:build !unix

package flatbuffers_test

// processCPU is not measured here: reportCPU reports nothing.
func processCPU() int64 { return 0 }
