package loadgen

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Sizes is a message size distribution: sizes with integer weights,
// picked in a fixed low-discrepancy order (no random source, so that runs
// repeat exactly).
type Sizes struct {
	table []int32 // sizeTableLen picks, in proportion to the weights
	max   int
	desc  string
}

const (
	sizeTableLen = 1024
	// MaxMessageSize bounds one message of the generator (it keeps one
	// payload of the largest size).
	MaxMessageSize = 16 << 20
)

// ParseSizes parses "32" (every message 32 bytes), "32,1024" (equal
// shares) or "32:9,4096:1" (weights); sizes may end in k or m (KiB, MiB).
func ParseSizes(s string) (Sizes, error) {
	var sizes, weights []int
	total := 0
	for part := range strings.SplitSeq(s, ",") {
		size, weight, hasWeight := strings.Cut(strings.TrimSpace(part), ":")
		n, err := parseSize(size)
		if err != nil {
			return Sizes{}, err
		}
		w := 1
		if hasWeight {
			w, err = strconv.Atoi(weight)
			if err != nil || w < 1 || w > sizeTableLen {
				return Sizes{}, fmt.Errorf("loadgen: weight %q: want an integer 1..%d", weight, sizeTableLen)
			}
		}
		sizes = append(sizes, n)
		weights = append(weights, w)
		total += w
		if len(sizes) > 64 {
			return Sizes{}, errors.New("loadgen: more than 64 sizes")
		}
	}
	d := Sizes{desc: s}
	// Each size takes its share of the table; the shares are interleaved
	// by walking the table with a stride coprime to its length.
	order := make([]int32, 0, sizeTableLen)
	for i, n := range sizes {
		k := weights[i] * sizeTableLen / total
		if i == len(sizes)-1 {
			k = sizeTableLen - len(order)
		}
		for range k {
			order = append(order, int32(n))
		}
		d.max = max(d.max, n)
	}
	d.table = make([]int32, sizeTableLen)
	for i := range d.table {
		d.table[i] = order[(i*617)%sizeTableLen]
	}
	return d, nil
}

func parseSize(s string) (int, error) {
	mult := 1
	switch {
	case strings.HasSuffix(s, "k"), strings.HasSuffix(s, "K"):
		mult, s = 1<<10, s[:len(s)-1]
	case strings.HasSuffix(s, "m"), strings.HasSuffix(s, "M"):
		mult, s = 1<<20, s[:len(s)-1]
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > MaxMessageSize/mult {
		return 0, fmt.Errorf("loadgen: message size %q: want 0..%d bytes", s, MaxMessageSize)
	}
	return n * mult, nil
}

// at returns the size of the n-th message.
func (d Sizes) at(n uint64) int { return int(d.table[n%sizeTableLen]) }

// Max returns the largest size.
func (d Sizes) Max() int { return d.max }

// String returns the distribution as it was parsed.
func (d Sizes) String() string { return d.desc }
