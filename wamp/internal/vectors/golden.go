package vectors

import (
	"bytes"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
)

// RunGolden checks a serializer against every vector for it: each listed
// encoding decodes to the expected attributes, and our encoding of the
// decoded message decodes back to an equal message. It returns how many
// samples our encoder reproduced byte for byte (any listed encoding).
func RunGolden(t *testing.T, s wamp.Serializer, key string) (exact, total int) {
	t.Helper()
	for _, smp := range Load(t) {
		encs := smp.Serializers[key]
		if smp.Wmsg != nil || len(encs) == 0 || !Supported(smp) {
			continue
		}
		total++
		matched := false
		decodedOne := false
		for _, e := range encs {
			m, err := s.Unmarshal(e.Bytes)
			if err != nil {
				if isForeignEncoding(key, e.Note) {
					continue
				}
				t.Errorf("%s [%s]: decode: %v", smp.Name(), e.Note, err)
				continue
			}
			decodedOne = true
			if err := CheckExpected(m, smp.Expected); err != nil {
				t.Errorf("%s [%s]: %v", smp.Name(), e.Note, err)
				continue
			}
			out, err := s.AppendMessage(nil, m)
			if err != nil {
				t.Errorf("%s: encode: %v", smp.Name(), err)
				continue
			}
			m2, err := s.Unmarshal(out)
			if err != nil {
				t.Errorf("%s: decode own encoding %q: %v", smp.Name(), out, err)
				continue
			}
			if err := MessagesEqual(m, m2); err != nil {
				t.Errorf("%s: round trip: %v", smp.Name(), err)
			}
			for _, e2 := range encs {
				if bytes.Equal(out, e2.Bytes) {
					matched = true
				}
			}
		}
		if !decodedOne {
			t.Errorf("%s: no encoding decoded", smp.Name())
		}
		if matched {
			exact++
		} else {
			t.Logf("not byte-exact: %s", smp.Name())
		}
	}
	if total == 0 {
		t.Fatalf("no %s vectors", key)
	}
	t.Logf("%s: %d of %d samples byte-exact", key, exact, total)
	return exact, total
}

// isForeignEncoding marks encodings of another format listed under a
// serializer: BJData (little-endian, a UBJSON superset that Autobahn
// 26.6+ writes) under "ubjson".
func isForeignEncoding(key, note string) bool {
	return key == "ubjson" && bytes.Contains([]byte(note), []byte("BJData"))
}
