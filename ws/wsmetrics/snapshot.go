package wsmetrics

import (
	"strconv"
	"time"
)

// Snapshot is a copy of a Set's counters at one moment.
type Snapshot struct {
	Opened, Closed uint64
	Active         uint64 // Opened - Closed (never below zero)

	MessagesIn, MessagesOut uint64
	BytesIn, BytesOut       uint64 // message payload bytes (see the package doc)

	SizesIn, SizesOut Histogram // message payload sizes, bytes
	Durations         Histogram // connection lifetimes, seconds

	// CloseCodes counts closed connections by the code OnClose got:
	// "1000".."1015" or "other". Only codes seen are present.
	CloseCodes map[string]uint64
	// Rejected counts refused opening handshakes by HTTP status
	// ("400", "503", ... or "other"). Only statuses seen are present.
	Rejected map[string]uint64
}

// Histogram is a histogram in the shape Prometheus exposes: Counts[i] is
// the number of observations at most Bounds[i] (cumulative); Count, all of
// them (the +Inf bucket); Sum, their total.
type Histogram struct {
	Bounds []float64
	Counts []uint64
	Count  uint64
	Sum    float64
}

// Snapshot returns the counters of s; the zero Snapshot for a nil Set.
func (s *Set) Snapshot() Snapshot {
	var snap Snapshot
	if s == nil {
		return snap
	}
	// closed before opened: a connection counted closed is always
	// counted opened, so Active cannot go below zero from a race.
	snap.Closed = s.closed.Load()
	snap.Opened = s.opened.Load()
	snap.Active = snap.Opened - min(snap.Closed, snap.Opened)
	snap.BytesIn, snap.BytesOut = s.bytesIn.Load(), s.bytesOut.Load()

	sizeBounds := make([]float64, len(SizeBuckets))
	for i, b := range SizeBuckets {
		sizeBounds[i] = float64(b)
	}
	snap.SizesIn = s.sizeIn.snapshot(sizeBounds, float64(snap.BytesIn))
	snap.SizesOut = s.sizeOut.snapshot(sizeBounds, float64(snap.BytesOut))
	snap.MessagesIn, snap.MessagesOut = snap.SizesIn.Count, snap.SizesOut.Count
	durBounds := make([]float64, len(DurationBuckets))
	for i, d := range DurationBuckets {
		durBounds[i] = d.Seconds()
	}
	snap.Durations = s.durations.snapshot(durBounds, time.Duration(s.durationNanos.Load()).Seconds())

	snap.CloseCodes = map[string]uint64{}
	for i := range s.closeCodes {
		if n := s.closeCodes[i].Load(); n > 0 {
			k := "other"
			if i < numCloseCodes {
				k = strconv.Itoa(1000 + i)
			}
			snap.CloseCodes[k] = n
		}
	}
	snap.Rejected = map[string]uint64{}
	for i := range s.rejected {
		if n := s.rejected[i].Load(); n > 0 {
			k := "other"
			if i < len(RejectStatuses) {
				k = strconv.Itoa(RejectStatuses[i])
			}
			snap.Rejected[k] = n
		}
	}
	return snap
}

func (h *histogram) snapshot(bounds []float64, sum float64) Histogram {
	out := Histogram{Bounds: bounds, Counts: make([]uint64, len(bounds)), Sum: sum}
	var acc uint64
	for i := range bounds {
		acc += h.counts[i].Load()
		out.Counts[i] = acc
	}
	out.Count = acc + h.counts[len(bounds)].Load()
	return out
}
