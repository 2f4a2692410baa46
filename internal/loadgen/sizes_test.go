package loadgen

import "testing"

func TestLoadgenParseSizes(t *testing.T) {
	d, err := ParseSizes("32:3, 1k:1")
	if err != nil {
		t.Fatal(err)
	}
	count := map[int]int{}
	for i := range uint64(sizeTableLen) {
		count[d.at(i)]++
	}
	if count[32] != 768 || count[1024] != 256 || d.Max() != 1024 {
		t.Fatalf("shares %v max %d, want 768×32 and 256×1024", count, d.Max())
	}
	// Interleaved: the first 8 picks are not all one size.
	seen := map[int]bool{}
	for i := range uint64(8) {
		seen[d.at(i)] = true
	}
	if len(seen) != 2 {
		t.Fatalf("first picks %v: not interleaved", seen)
	}
	for _, bad := range []string{"", "x", "-1", "32:0", "32:x", "17m", "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,49,50,51,52,53,54,55,56,57,58,59,60,61,62,63,64,65"} {
		if _, err := ParseSizes(bad); err == nil {
			t.Errorf("ParseSizes(%q): no error", bad)
		}
	}
}

func FuzzParseSizes(f *testing.F) {
	for _, s := range []string{"32", "32,1024", "32:9,4k:1", "1m", ":", ",,"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseSizes(s)
		if err != nil {
			return
		}
		for i := range uint64(sizeTableLen) {
			if n := d.at(i); n < 0 || n > d.Max() || n > MaxMessageSize {
				t.Fatalf("%q: size %d", s, n)
			}
		}
	})
}
