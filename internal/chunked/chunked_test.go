package chunked

import (
	"math/rand/v2"
	"testing"
)

// TestSliceAgainstSlice drives a Slice and a plain slice with the same
// random pushes, pops and writes, and compares them after each step, also
// how many chunks the Slice holds: enough for its elements, at most one
// empty one beyond.
func TestSliceAgainstSlice(t *testing.T) {
	var s Slice[int]
	var ref []int
	r := rand.New(rand.NewPCG(1, 2))
	for step := range 200_000 {
		switch op := r.IntN(10); {
		case op < 6 || len(ref) == 0: // grow more than shrink, then shrink
			if step > 120_000 && len(ref) > 0 {
				ref = ref[:len(ref)-1]
				_ = s.Pop()
				break
			}
			v := r.Int()
			ref = append(ref, v)
			s.Push(v)
		case op < 9:
			want := ref[len(ref)-1]
			ref = ref[:len(ref)-1]
			if got := s.Pop(); got != want {
				t.Fatalf("step %d: Pop = %d, want %d", step, got, want)
			}
		default:
			i := r.IntN(len(ref))
			v := r.Int()
			ref[i] = v
			*s.At(i) = v
		}
		if s.Len() != len(ref) {
			t.Fatalf("step %d: Len = %d, want %d", step, s.Len(), len(ref))
		}
		need := (len(ref) + ChunkLen - 1) / ChunkLen
		if c := s.Chunks(); c < need || c > need+1 {
			t.Fatalf("step %d: %d chunks for %d elements", step, c, len(ref))
		}
		if len(ref) > 0 {
			i := r.IntN(len(ref))
			if got := *s.At(i); got != ref[i] {
				t.Fatalf("step %d: At(%d) = %d, want %d", step, i, got, ref[i])
			}
		}
	}
}

// TestPushPopEdgeNoAllocs: pushes and pops back and forth across a chunk's
// edge allocate nothing once the chunk is there (the spare is kept).
func TestPushPopEdgeNoAllocs(t *testing.T) {
	var s Slice[*int]
	for range ChunkLen {
		s.Push(nil)
	}
	s.Push(nil)
	_ = s.Pop()
	allocs := testing.AllocsPerRun(1000, func() {
		s.Push(nil)
		_ = s.Pop()
	})
	if allocs != 0 {
		t.Fatalf("%.1f allocations per push and pop at a chunk's edge", allocs)
	}
}

// TestGrowthGarbage: growing to n elements allocates the chunks and the
// small directory, not the copies append would make (about twice the
// array in all).
func TestGrowthGarbage(t *testing.T) {
	const n = 100_000
	allocs := testing.AllocsPerRun(5, func() {
		var s Slice[[2]int64]
		for i := range n {
			s.Push([2]int64{int64(i), 0})
		}
	})
	chunks := float64((n + ChunkLen - 1) / ChunkLen)
	if allocs > chunks+12 { // the directory's doublings
		t.Fatalf("%.0f allocations to grow to %d elements, want about %.0f", allocs, n, chunks)
	}
}

// TestPopZeroes: a popped element's slot keeps no reference.
func TestPopZeroes(t *testing.T) {
	var s Slice[*int]
	x := new(int)
	s.Push(x)
	s.Push(x)
	_ = s.Pop()
	if s.chunks[0][1] != nil {
		t.Fatal("a popped slot still references its element")
	}
}

func TestAtOutOfRange(t *testing.T) {
	var s Slice[int]
	s.Push(1)
	defer func() {
		if recover() == nil {
			t.Fatal("At(1) of a one-element Slice did not panic")
		}
	}()
	_ = s.At(1)
}
