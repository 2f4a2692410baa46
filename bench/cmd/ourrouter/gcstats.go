package main

import (
	"fmt"
	"os"
	"os/signal"
	"runtime/metrics"
	"syscall"
)

// serveGCStats prints, at every SIGUSR1, one line of the runtime's
// cumulative counters to stdout:
//
//	gcstats ALLOC_BYTES GC_CYCLES GC_CPU_SECONDS ALLOC_OBJECTS
//
// (routerload -gcstats sends SIGUSR1 when its measurement starts and ends:
// the differences are the collector's share of the window). The GC CPU
// seconds are the runtime's estimate (runtime/metrics), idle-time marking
// included.
func serveGCStats() {
	c := make(chan os.Signal, 1)
	signal.Notify(c, syscall.SIGUSR1)
	s := []metrics.Sample{
		{Name: "/gc/heap/allocs:bytes"},
		{Name: "/gc/cycles/total:gc-cycles"},
		{Name: "/cpu/classes/gc/total:cpu-seconds"},
		{Name: "/gc/heap/allocs:objects"},
	}
	go func() {
		for range c {
			metrics.Read(s)
			fmt.Printf("gcstats %d %d %.6f %d\n", s[0].Value.Uint64(), s[1].Value.Uint64(), s[2].Value.Float64(), s[3].Value.Uint64())
		}
	}()
}
