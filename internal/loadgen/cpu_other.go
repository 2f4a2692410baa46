//go:build !unix

package loadgen

import "time"

// selfCPU is not measured here (no getrusage): the generator's CPU is
// reported as zero.
func selfCPU() time.Duration { return 0 }
