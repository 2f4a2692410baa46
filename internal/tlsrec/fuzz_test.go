package tlsrec

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

// fuzzSuite picks one of the three suites from a fuzz byte.
func fuzzSuite(b byte) uint16 { return allSuites[int(b)%len(allSuites)] }

// cutsOf turns fuzz bytes into piece lengths (1..256 bytes each).
func cutsOf(cuts []byte, i int) int {
	if len(cuts) == 0 {
		return 1 << 30
	}
	return int(cuts[i%len(cuts)]) + 1
}

// FuzzOpen: any bytes, in any pieces, make Open return data or an error
// it documents (an Alert, a *RemoteAlert, io.EOF), never panic, and
// leave less than MaxRecord bytes for the caller to keep. The seeds are
// valid streams (sealed under the keys the target uses) and their
// mutations.
func FuzzOpen(f *testing.F) {
	for i, id := range allSuites {
		stream, _ := splitStream(f, id)
		f.Add(byte(i), stream, []byte{0})
		f.Add(byte(i), stream, []byte{4, 200, 17})
		_, cli := mirror(f, id)
		b := sealRaw(cli, nil, 23, inner(ku(2), 22, 0))
		f.Add(byte(i), b, []byte(nil))
		_, cli = mirror(f, id)
		b = sealRaw(cli, nil, 23, inner(pattern(MaxPlaintext-100, 1), 23, 100))
		f.Add(byte(i), b, []byte{255})
		_, cli = mirror(f, id)
		b = sealRaw(cli, nil, 23, []byte{2, 40, 21})
		f.Add(byte(i), b, []byte(nil))
	}
	f.Add(byte(0), []byte{23, 3, 3, 0x41, 1}, []byte(nil))
	f.Add(byte(1), []byte{20, 3, 3, 0, 1, 1}, []byte{1})
	f.Fuzz(func(t *testing.T, suite byte, stream, cuts []byte) {
		srv, _ := mirror(t, fuzzSuite(suite))
		var buf []byte
		for i := 0; len(stream) > 0; i++ {
			n := min(cutsOf(cuts, i), len(stream))
			buf = append(buf, stream[:n]...)
			stream = stream[n:]
			plain, used, err := srv.Open(buf)
			if used < 0 || used > len(buf) || len(plain) > used {
				t.Fatalf("used %d of %d, %d plain", used, len(buf), len(plain))
			}
			buf = buf[:copy(buf, buf[used:])]
			if err != nil {
				var a Alert
				var ra *RemoteAlert
				if !errors.As(err, &a) && !errors.As(err, &ra) && err != io.EOF {
					t.Fatalf("error %v (%T)", err, err)
				}
				if _, u2, err2 := srv.Open(buf); err2 != err || u2 != 0 {
					t.Fatalf("not sticky: %v then %v", err, err2)
				}
				return
			}
			if len(buf) >= MaxRecord {
				t.Fatalf("%d bytes left for the caller", len(buf))
			}
			if p := srv.AppendPending(nil); len(p) > 0 && RecordLen(p) != len(p) {
				t.Fatalf("pending %d bytes is not one record", len(p))
			}
		}
	})
}

// FuzzRoundTrip: application data a peer seals in records of fuzz-chosen
// sizes and padding, and Open given in fuzz-chosen pieces, comes back
// exactly; Seal's records come back exactly too.
func FuzzRoundTrip(f *testing.F) {
	f.Add(byte(0), []byte("hello, world"), []byte{3, 0, 5}, []byte{2, 9})
	f.Add(byte(1), bytes.Repeat([]byte{0}, 40000), []byte{255, 1}, []byte{200})
	f.Add(byte(2), []byte{}, []byte{}, []byte{})
	f.Add(byte(2), pattern(20000, 4), []byte{0}, []byte{255, 0, 128})
	f.Fuzz(func(t *testing.T, suite byte, payload, sizes, cuts []byte) {
		if len(payload) > 1<<16 {
			return
		}
		id := fuzzSuite(suite)
		srv, cli := mirror(t, id)
		var stream []byte
		p := payload
		for i := 0; len(p) > 0 || i == 0; i++ {
			// record i carries up to 64*size bytes, padding from the
			// same byte, within the record limits.
			var sz, pad int
			if len(sizes) > 0 {
				sz = int(sizes[i%len(sizes)]) * 64
				pad = int(sizes[(i+1)%len(sizes)]) % 257
			}
			if sz == 0 {
				sz = MaxPlaintext
			}
			n := min(len(p), sz, MaxPlaintext)
			pad = min(pad, MaxPlaintext-n)
			stream = sealRaw(cli, stream, 23, inner(p[:n], 23, pad))
			p = p[n:]
		}
		// and the same payload again, by Seal
		sealed, err := cli.Seal(nil, payload)
		if err != nil {
			t.Fatal(err)
		}
		stream = append(stream, sealed...)
		var got, buf []byte
		for i := 0; len(stream) > 0; i++ {
			n := min(cutsOf(cuts, i)*int(1+suite>>4), len(stream))
			buf = append(buf, stream[:n]...)
			stream = stream[n:]
			plain, used, err := srv.Open(buf)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			got = append(got, plain...)
			buf = buf[:copy(buf, buf[used:])]
		}
		if len(buf) != 0 || !bytes.Equal(got, append(bytes.Clone(payload), payload...)) {
			t.Fatalf("got %d bytes back of 2×%d, %d left", len(got), len(payload), len(buf))
		}
	})
}
