package chunked

// ChunkLen is the number of elements in one chunk.
const ChunkLen = 256

// Slice is a growable array of T in chunks of ChunkLen elements. The zero
// value is empty and ready. It is not safe for concurrent use.
type Slice[T any] struct {
	chunks []*[ChunkLen]T
	n      int
}

// Len returns the number of elements.
func (s *Slice[T]) Len() int { return s.n }

// At returns a pointer to element i (0 <= i < Len()), valid until the
// element is popped.
func (s *Slice[T]) At(i int) *T {
	if uint(i) >= uint(s.n) {
		panic("chunked: index out of range")
	}
	return &s.chunks[i/ChunkLen][i%ChunkLen]
}

// Push appends v.
func (s *Slice[T]) Push(v T) {
	if s.n == len(s.chunks)*ChunkLen {
		s.chunks = append(s.chunks, new([ChunkLen]T))
	}
	s.chunks[s.n/ChunkLen][s.n%ChunkLen] = v
	s.n++
}

// Pop removes the last element (Len() > 0) and returns it. Once the
// elements fill a chunk less than the last two hold, the last chunk goes:
// one empty chunk is kept, so that pushes and pops across a chunk's edge
// do not allocate each time.
func (s *Slice[T]) Pop() T {
	if s.n == 0 {
		panic("chunked: Pop of an empty Slice")
	}
	s.n--
	p := &s.chunks[s.n/ChunkLen][s.n%ChunkLen]
	v := *p
	var zero T
	*p = zero // no reference kept for the GC
	if k := len(s.chunks); k*ChunkLen-s.n >= 2*ChunkLen {
		s.chunks[k-1] = nil
		s.chunks = s.chunks[:k-1]
		if c := cap(s.chunks); c > 16 && len(s.chunks) < c/4 {
			s.chunks = append([]*[ChunkLen]T(nil), s.chunks...)
		}
	}
	return v
}

// Chunks returns the number of chunks held (for tests and accounting).
func (s *Slice[T]) Chunks() int { return len(s.chunks) }
