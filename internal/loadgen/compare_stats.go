package loadgen

import (
	"fmt"
	"math"
)

// normalize fills every server's Relative and Normalized from its samples:
// per cell and round, the reference is the geometric mean of msg per
// server-CPU-second over the servers measured without an error in that
// round; a server's ratio is its value over the reference, and Relative is
// the median of its ratios over the rounds. A slow or fast stretch of a
// shared machine that moves a whole round moves the reference as much, so
// the ratio cancels it, where the median of absolute values keeps it. A
// round in which fewer than two servers have a value has no reference and
// counts for none; a server's Relative is absent when no round counts.
// Normalized is Relative times the geometric mean of the references:
// the same order, on the scale of msg per server-CPU-second.
func (res *CompareResult) normalize() {
	for _, c := range res.Cells {
		key := c.String()
		var refs []float64
		ratios := make([][]float64, len(res.Servers))
		for round := range res.Rounds {
			ref, ok := roundReference(res.Servers, key, round)
			if !ok {
				continue
			}
			refs = append(refs, ref)
			for i, sr := range res.Servers {
				if v, ok := sampleValue(sr, key, round); ok {
					ratios[i] = append(ratios[i], v/ref)
				}
			}
		}
		if len(refs) == 0 {
			continue
		}
		scale := geoMean(refs)
		for i, sr := range res.Servers {
			if len(ratios[i]) == 0 {
				continue
			}
			if sr.Relative == nil {
				sr.Relative, sr.Normalized = map[string]float64{}, map[string]float64{}
			}
			rel := median(ratios[i])
			sr.Relative[key], sr.Normalized[key] = rel, rel*scale
		}
	}
}

// ranked reports whether normalize gave any server a value.
func (res *CompareResult) ranked() bool {
	for _, sr := range res.Servers {
		if len(sr.Normalized) > 0 {
			return true
		}
	}
	return false
}

// roundReference is the geometric mean of the servers' values in one
// round of a cell; false with fewer than two values.
func roundReference(servers []*ServerResult, key string, round int) (float64, bool) {
	var vs []float64
	for _, sr := range servers {
		if v, ok := sampleValue(sr, key, round); ok {
			vs = append(vs, v)
		}
	}
	if len(vs) < 2 {
		return 0, false
	}
	return geoMean(vs), true
}

// sampleValue is a server's msg per server-CPU-second in one round of a
// cell, if it was measured without an error.
func sampleValue(sr *ServerResult, key string, round int) (float64, bool) {
	s := sr.Cells[key]
	if round >= len(s) || s[round].Err != "" || !(s[round].MsgPerCPUSecond > 0) || math.IsInf(s[round].MsgPerCPUSecond, 0) {
		return 0, false
	}
	return s[round].MsgPerCPUSecond, true
}

// geoMean is the geometric mean of positive values.
func geoMean(v []float64) float64 {
	var sum float64
	for _, x := range v {
		sum += math.Log(x)
	}
	return math.Exp(sum / float64(len(v)))
}

// keptUpShare is how much of the open loop's offered rate a server must
// answer to count as measured at that load.
const keptUpShare = 0.9

// behind reports whether s, measured in the open loop, answered less than
// keptUpShare of the offered rate: the server could not take that load,
// so it was measured at a lower one than the others and its CPU per
// message does not compare with theirs. In the closed loop it is false.
func (res *CompareResult) behind(s Sample) bool {
	return res.MsgRate > 0 && s.Err == "" && s.MsgPerSecond < keptUpShare*res.MsgRate
}

// behindMark is the mark behind's values get in the tables, and
// behindNote the note under a table that has one.
const behindMark = " †"

func (res *CompareResult) behindNote() string {
	return fmt.Sprintf("† answered less than %.0f %% of the offered %.0f messages per second: measured at a lower load than the others, so its CPU per message does not compare with theirs (lower --msg-rate, or measure its peak with --msg-rate 0).", keptUpShare*100, res.MsgRate)
}

// anyBehind reports whether a median of any server is behind.
func (res *CompareResult) anyBehind() bool {
	for _, sr := range res.Servers {
		for _, c := range res.Cells {
			if res.behind(sr.Medians[c.String()]) {
				return true
			}
		}
	}
	return false
}
