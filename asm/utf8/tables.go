package main

// The error classes of the lookup algorithm (Keiser & Lemire, "Validating
// UTF-8 In Less Than One Instruction Per Byte", 2021). Each class is a set of
// byte pairs (previous byte, current byte) that cannot occur in UTF-8, given
// as a product of three nibble sets: high nibble of the previous byte, low
// nibble of the previous byte, high nibble of the current byte. A pair is an
// error when all three table lookups share a bit.
type errClass struct {
	bit                   byte
	prevHi, prevLo, curHi []int
}

func span(lo, hi int) []int {
	var s []int
	for v := lo; v <= hi; v++ {
		s = append(s, v)
	}
	return s
}

func join(sets ...[]int) []int {
	var s []int
	for _, x := range sets {
		s = append(s, x...)
	}
	return s
}

var (
	anyNibble = span(0x0, 0xF)
	contHi    = span(0x8, 0xB) // 10xxxxxx
	nonContHi = join(span(0x0, 0x7), span(0xC, 0xF))
)

var classes = []errClass{
	// A lead byte followed by something that is not a continuation byte.
	{0x01, span(0xC, 0xF), anyNibble, nonContHi},
	// An ASCII byte followed by a continuation byte.
	{0x02, span(0x0, 0x7), anyNibble, contHi},
	// E0 80..9F: overlong 3-byte form.
	{0x04, []int{0xE}, []int{0x0}, []int{0x8, 0x9}},
	// F4 90..BF and F5..FF followed by 90..BF: above U+10FFFF.
	{0x08, []int{0xF}, span(0x4, 0xF), []int{0x9, 0xA, 0xB}},
	// ED A0..BF: surrogates U+D800..U+DFFF.
	{0x10, []int{0xE}, []int{0xD}, []int{0xA, 0xB}},
	// C0, C1 followed by a continuation: overlong 2-byte form.
	{0x20, []int{0xC}, []int{0x0, 0x1}, contHi},
	// F0 80..8F (overlong 4-byte form) and F5..FF 80..8F (too large).
	{0x40, []int{0xF}, join([]int{0x0}, span(0x5, 0xF)), []int{0x8}},
	// Two continuation bytes in a row: an error unless the second one is
	// the third or fourth byte of a sequence (corrected afterwards).
	{0x80, contHi, anyNibble, contHi},
}

// lookupTables returns the three 16-entry nibble tables.
func lookupTables() (prevHi, prevLo, curHi [16]byte) {
	for _, c := range classes {
		for _, v := range c.prevHi {
			prevHi[v] |= c.bit
		}
		for _, v := range c.prevLo {
			prevLo[v] |= c.bit
		}
		for _, v := range c.curHi {
			curHi[v] |= c.bit
		}
	}
	return
}

// incompleteMax holds, per position of a block of n bytes, the largest byte
// that does not start a sequence reaching past the end of the block.
func incompleteMax(n int) []byte {
	m := make([]byte, n)
	for i := range m {
		m[i] = 0xFF
	}
	m[n-3] = 0xEF // F0.. needs 3 more bytes
	m[n-2] = 0xDF // E0.. needs 2 more
	m[n-1] = 0xBF // C0.. needs 1 more
	return m
}
