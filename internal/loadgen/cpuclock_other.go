//go:build !linux

package loadgen

import (
	"errors"
	"time"
)

// processCPU is Linux only: elsewhere a server's CPU comes from /proc in
// clock ticks where there is one.
func processCPU(int) (time.Duration, error) {
	return 0, errors.New("loadgen: no process CPU clock here")
}
