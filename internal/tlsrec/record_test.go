package tlsrec

import (
	"bytes"
	"crypto/tls"
	"errors"
	"io"
	"testing"
)

// ku is a KeyUpdate message with request_update req.
func ku(req byte) []byte { return []byte{handshakeKeyUpdate, 0, 0, 1, req} }

// TestOpenErrors feeds Open records a peer (the mirrored Conn) sealed, or
// raw bytes, that TLS 1.3 forbids after the handshake, and checks the
// alert, the application data before it, and that the error sticks.
func TestOpenErrors(t *testing.T) {
	type build func(cli *Conn) []byte
	cases := []struct {
		name  string
		in    build
		plain string
		err   error
	}{
		{"tampered", func(cli *Conn) []byte {
			b := data(cli, nil, "hello")
			b[HeaderLen+2] ^= 1
			return b
		}, "", AlertBadRecordMAC},
		{"tampered-header", func(cli *Conn) []byte {
			b := data(cli, nil, "hello")
			b[1] = 1 // the header is the additional data
			return b
		}, "", AlertBadRecordMAC},
		{"wrong-seq", func(cli *Conn) []byte {
			cli.out.seq++
			return data(cli, nil, "hello")
		}, "", AlertBadRecordMAC},
		{"length-overflow", func(cli *Conn) []byte {
			return []byte{23, 3, 3, (maxCiphertext + 1) >> 8, (maxCiphertext + 1) & 0xff}
		}, "", AlertRecordOverflow},
		{"plaintext-overflow", func(cli *Conn) []byte {
			return sealRaw(cli, nil, 23, inner(make([]byte, MaxPlaintext+1), 23, 0))
		}, "", AlertRecordOverflow},
		{"padding-overflow", func(cli *Conn) []byte {
			// content and type fit, the padding makes the inner
			// plaintext longer than 2^14+1 (RFC 8446 5.4)
			return sealRaw(cli, nil, 23, inner([]byte("x"), 23, MaxPlaintext))
		}, "", AlertRecordOverflow},
		{"full-record-padding-overflow", func(cli *Conn) []byte {
			return sealRaw(cli, nil, 23, inner(make([]byte, MaxPlaintext), 23, 1))
		}, "", AlertRecordOverflow},
		{"too-short", func(cli *Conn) []byte {
			return sealRaw(cli, nil, 23, nil) // no content type at all
		}, "", AlertUnexpectedMessage},
		{"shorter-than-tag", func(cli *Conn) []byte {
			return []byte{23, 3, 3, 0, 15, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}
		}, "", AlertBadRecordMAC},
		{"plain-ccs", func(cli *Conn) []byte { return []byte{20, 3, 3, 0, 1, 1} }, "", AlertUnexpectedMessage},
		{"plain-alert", func(cli *Conn) []byte { return []byte{21, 3, 3, 0, 2, 2, 40} }, "", AlertUnexpectedMessage},
		{"plain-handshake", func(cli *Conn) []byte { return append([]byte{22, 3, 3, 0, 5}, ku(0)...) }, "", AlertUnexpectedMessage},
		{"outer-type-99", func(cli *Conn) []byte { return sealRaw(cli, nil, 99, inner([]byte("x"), 23, 0)) }, "", AlertUnexpectedMessage},
		{"outer-type-22-sealed", func(cli *Conn) []byte { return sealRaw(cli, nil, 22, inner([]byte("x"), 23, 0)) }, "", AlertUnexpectedMessage},
		{"inner-type-0", func(cli *Conn) []byte { return sealRaw(cli, nil, 23, []byte{0}) }, "", AlertUnexpectedMessage},
		{"all-zero-padding", func(cli *Conn) []byte { return sealRaw(cli, nil, 23, make([]byte, 100)) }, "", AlertUnexpectedMessage},
		{"inner-ccs", func(cli *Conn) []byte { return sealRaw(cli, nil, 23, inner([]byte{1}, 20, 0)) }, "", AlertUnexpectedMessage},
		{"inner-type-77", func(cli *Conn) []byte { return sealRaw(cli, nil, 23, inner([]byte("x"), 77, 3)) }, "", AlertUnexpectedMessage},
		{"peer-alert", func(cli *Conn) []byte {
			b := data(cli, nil, "before")
			return sealRaw(cli, b, 23, inner([]byte{2, 40}, 21, 0))
		}, "before", &RemoteAlert{Alert: 40}},
		{"alert-bad-length", func(cli *Conn) []byte { return sealRaw(cli, nil, 23, inner([]byte{2, 40, 0, 1}, 21, 0)) }, "", AlertDecodeError},
		{"close-notify", func(cli *Conn) []byte {
			b := data(cli, nil, "last words")
			b = cli.AppendCloseNotify(b)
			return data(cli, b, "never read")
		}, "last words", io.EOF},
		{"user-canceled-ignored", func(cli *Conn) []byte {
			b := sealRaw(cli, nil, 23, inner([]byte{1, 90}, 21, 0))
			b = append(b, data(cli, nil, "still here")...)
			return cli.AppendCloseNotify(b)
		}, "still here", io.EOF},
		{"keyupdate-trailing-bytes", func(cli *Conn) []byte {
			return sealRaw(cli, nil, 23, inner(append(ku(0), handshakeKeyUpdate), 22, 0))
		}, "", AlertUnexpectedMessage},
		{"two-keyupdates-one-record", func(cli *Conn) []byte {
			return sealRaw(cli, nil, 23, inner(append(ku(0), ku(0)...), 22, 0))
		}, "", AlertUnexpectedMessage},
		{"new-session-ticket", func(cli *Conn) []byte {
			return sealRaw(cli, nil, 23, inner([]byte{4, 0, 0, 1, 0}, 22, 0))
		}, "", AlertUnexpectedMessage},
		{"certificate-request", func(cli *Conn) []byte {
			return sealRaw(cli, nil, 23, inner([]byte{13, 0, 0, 0}, 22, 0))
		}, "", AlertUnexpectedMessage},
		{"request-update-2", func(cli *Conn) []byte { return sealRaw(cli, nil, 23, inner(ku(2), 22, 0)) }, "", AlertIllegalParameter},
		{"keyupdate-bad-length", func(cli *Conn) []byte {
			return sealRaw(cli, nil, 23, inner([]byte{handshakeKeyUpdate, 0, 0, 2, 0, 0}, 22, 0))
		}, "", AlertDecodeError},
		{"empty-handshake-record", func(cli *Conn) []byte { return sealRaw(cli, nil, 23, inner(nil, 22, 4)) }, "", AlertUnexpectedMessage},
		{"handshake-interleaved", func(cli *Conn) []byte {
			b := data(cli, nil, "a")
			b = sealRaw(cli, b, 23, inner(ku(0)[:2], 22, 0))
			return append(b, data(cli, nil, "b")...)
		}, "a", AlertUnexpectedMessage},
		{"handshake-interleaved-alert", func(cli *Conn) []byte {
			b := sealRaw(cli, nil, 23, inner(ku(0)[:4], 22, 0))
			return cli.AppendCloseNotify(b)
		}, "", AlertUnexpectedMessage},
	}
	for _, id := range allSuites {
		for _, tc := range cases {
			t.Run(tls.CipherSuiteName(id)+"/"+tc.name, func(t *testing.T) {
				srv, cli := mirror(t, id)
				in := tc.in(cli)
				plain, used, err := srv.Open(in)
				if string(plain) != tc.plain {
					t.Errorf("plain %q, want %q", plain, tc.plain)
				}
				var ra *RemoteAlert
				if want, ok := tc.err.(*RemoteAlert); ok {
					if !errors.As(err, &ra) || *ra != *want {
						t.Fatalf("err %v, want %v", err, want)
					}
				} else if err != tc.err {
					t.Fatalf("err %v (%T), want %v", err, err, tc.err)
				}
				if used > len(in) {
					t.Fatalf("used %d of %d", used, len(in))
				}
				// Sticky: more input, even valid, gets the same error.
				more := data(cli, nil, "later")
				plain2, used2, err2 := srv.Open(more)
				if len(plain2) != 0 || used2 != 0 || (err2 != err && (ra == nil || !errors.As(err2, &ra))) {
					t.Fatalf("after the error: %q %d %v", plain2, used2, err2)
				}
				if srv.Pending() {
					t.Fatal("a record pending after an error")
				}
			})
		}
	}
}

// data is sealRaw of application data p appended to b.
func data(cli *Conn, b []byte, p string) []byte { return sealRaw(cli, b, 23, inner([]byte(p), 23, 0)) }

// TestOpenAccepts covers what Open must take: padding, empty application
// data records, a KeyUpdate split across records (before and after which
// the peer's keys differ), many records in one buffer.
func TestOpenAccepts(t *testing.T) {
	for _, id := range allSuites {
		t.Run(tls.CipherSuiteName(id), func(t *testing.T) {
			srv, cli := mirror(t, id)
			var b []byte
			b = sealRaw(cli, b, 23, inner([]byte("padded"), 23, 1000))
			b = sealRaw(cli, b, 23, inner(nil, 23, 0))  // empty application data
			b = sealRaw(cli, b, 23, inner(nil, 23, 50)) // empty, padded
			// A full record, and the most padding a shorter one can take
			// (TLSInnerPlaintext is at most 2^14+1 bytes).
			b = sealRaw(cli, b, 23, inner(pattern(MaxPlaintext, 3), 23, 0))
			b = sealRaw(cli, b, 23, inner([]byte("p"), 23, MaxPlaintext-1))
			b = sealRaw(cli, b, 23, inner(ku(0)[:1], 22, 7))
			b = sealRaw(cli, b, 23, inner(ku(0)[1:3], 22, 0))
			b = sealRaw(cli, b, 23, inner(ku(0)[3:], 22, 0))
			if err := cli.out.update(cli.suite); err != nil {
				t.Fatal(err)
			}
			b = data(cli, b, "new key")
			b = sealRaw(cli, b, 23, inner(ku(0), 22, 0))
			if err := cli.out.update(cli.suite); err != nil {
				t.Fatal(err)
			}
			b = data(cli, b, "newer key")
			want := "padded" + string(pattern(MaxPlaintext, 3)) + "p" + "new key" + "newer key"
			plain, used, err := srv.Open(b)
			if err != nil || used != len(b) || string(plain) != want {
				t.Fatalf("Open: %d bytes, used %d of %d, %v", len(plain), used, len(b), err)
			}
			if srv.Pending() {
				t.Fatal("update_not_requested left a reply pending")
			}
			if !bytes.Equal(srv.in.secret, cli.out.secret) || srv.in.seq != cli.out.seq {
				t.Fatal("read side not at the peer's key generation")
			}
		})
	}
}

// TestKeyUpdateRequested: the peer's update_requested makes one KeyUpdate
// of ours pending (several requests share it), sent before any later
// record by Seal, AppendAlert or AppendPending, under the old key, with
// every later record under the new one.
func TestKeyUpdateRequested(t *testing.T) {
	for _, id := range allSuites {
		for _, send := range []string{"Seal", "AppendCloseNotify", "AppendPending"} {
			t.Run(tls.CipherSuiteName(id)+"/"+send, func(t *testing.T) {
				srv, cli := mirror(t, id)
				old := bytes.Clone(srv.out.secret)
				b := requestUpdate(t, cli, nil)
				b = data(cli, b, "x")
				b = requestUpdate(t, cli, b) // a second request while the answer waits
				plain, used, err := srv.Open(b)
				if err != nil || used != len(b) || string(plain) != "x" || !srv.Pending() {
					t.Fatalf("Open: %q %d %v pending %v", plain, used, err, srv.Pending())
				}
				if bytes.Equal(srv.out.secret, old) {
					t.Fatal("our key did not move on")
				}
				var out []byte
				want, wantErr := "", error(nil)
				switch send {
				case "Seal":
					out, err = srv.Seal(nil, []byte("reply"))
					if err != nil {
						t.Fatal(err)
					}
					want = "reply"
				case "AppendCloseNotify":
					out = srv.AppendCloseNotify(nil)
					wantErr = io.EOF
				case "AppendPending":
					out = srv.AppendPending(nil)
				}
				if srv.Pending() {
					t.Fatal("still pending after sending")
				}
				plain, used, err = cli.Open(out)
				if err != wantErr || used != len(out) || string(plain) != want {
					t.Fatalf("peer Open: %q %d %v", plain, used, err)
				}
				if cli.Pending() {
					t.Fatal("our KeyUpdate requested one back")
				}
				if !bytes.Equal(cli.in.secret, srv.out.secret) {
					t.Fatal("peer not at our key generation")
				}
				if wantErr == nil {
					// Later records, either way, under the new keys.
					out, _ = srv.Seal(nil, []byte("later"))
					if plain, _, err := cli.Open(out); err != nil || string(plain) != "later" {
						t.Fatalf("later: %q %v", plain, err)
					}
				}
			})
		}
	}
}

// TestSealLarge: Seal cuts messages into records of MaxPlaintext bytes
// at most, and the peer reads them back.
func TestSealLarge(t *testing.T) {
	for _, id := range allSuites {
		srv, cli := mirror(t, id)
		for _, n := range []int{1, MaxPlaintext - 1, MaxPlaintext, MaxPlaintext + 1, 3*MaxPlaintext + 5, 1 << 20} {
			msg := pattern(n, byte(n))
			out, err := srv.Seal([]byte("prefix"), msg)
			if err != nil || string(out[:6]) != "prefix" {
				t.Fatal(err)
			}
			out = out[6:]
			records := 0
			for r := out; len(r) > 0; r = r[RecordLen(r):] {
				if RecordLen(r) > HeaderLen+MaxPlaintext+1+srv.out.aead.Overhead() {
					t.Fatalf("record of %d bytes", RecordLen(r))
				}
				records++
			}
			if want := (n + MaxPlaintext - 1) / MaxPlaintext; records != want {
				t.Fatalf("%d bytes in %d records, want %d", n, records, want)
			}
			plain, used, err := cli.Open(out)
			if err != nil || used != len(out) || !bytes.Equal(plain, msg) {
				t.Fatalf("%d bytes: Open %d bytes, used %d, %v", n, len(plain), used, err)
			}
		}
	}
}

// splitStream is a stream of records of every kind Open takes, and the
// application data in it.
func splitStream(t testing.TB, id uint16) (stream []byte, want string) {
	_, cli := mirror(t, id)
	b := data(cli, nil, "first")
	b = sealRaw(cli, b, 23, inner(nil, 23, 3))
	b = sealRaw(cli, b, 23, inner(ku(1)[:2], 22, 0))
	b = sealRaw(cli, b, 23, inner(ku(1)[2:], 22, 9))
	if err := cli.out.update(cli.suite); err != nil {
		t.Fatal(err)
	}
	b = sealRaw(cli, b, 23, inner(pattern(300, 9), 23, 40))
	b = sealRaw(cli, b, 23, inner([]byte{1, 90}, 21, 0))
	b = data(cli, b, "last")
	b = cli.AppendCloseNotify(b)
	return b, "first" + string(pattern(300, 9)) + "last"
}

// openSplit feeds stream to a fresh Conn in the pieces cut at cuts, the
// caller's way: keep b[used:], append the next piece.
func openSplit(t testing.TB, id uint16, stream []byte, cuts []int) (string, error) {
	srv, _ := mirror(t, id)
	var got, buf []byte
	prev := 0
	for i := 0; i <= len(cuts); i++ {
		end := len(stream)
		if i < len(cuts) {
			end = cuts[i]
		}
		buf = append(buf, stream[prev:end]...)
		prev = end
		plain, used, err := srv.Open(buf)
		got = append(got, plain...)
		buf = buf[:copy(buf, buf[used:])]
		if len(buf) >= MaxRecord {
			t.Fatalf("%d bytes left over", len(buf))
		}
		if err != nil {
			if !srv.Pending() {
				t.Fatal("update_requested left nothing pending")
			}
			return string(got), err
		}
	}
	return string(got), nil
}

// TestOpenSplits cuts a stream at every byte boundary, and in single
// bytes: Open returns the same data and io.EOF at the end.
func TestOpenSplits(t *testing.T) {
	for _, id := range allSuites {
		stream, want := splitStream(t, id)
		for k := 0; k <= len(stream); k++ {
			got, err := openSplit(t, id, stream, []int{k})
			if got != want || err != io.EOF {
				t.Fatalf("cut at %d: %d bytes, %v", k, len(got), err)
			}
		}
		var ones []int
		for k := 1; k < len(stream); k++ {
			ones = append(ones, k)
		}
		if got, err := openSplit(t, id, stream, ones); got != want || err != io.EOF {
			t.Fatalf("byte by byte: %d bytes, %v", len(got), err)
		}
	}
}

func TestNewErrors(t *testing.T) {
	if _, err := New(0x1301, make([]byte, 31), make([]byte, 32), 0, 0); err == nil {
		t.Error("short secret accepted")
	}
	if _, err := New(0x1302, make([]byte, 32), make([]byte, 32), 0, 0); err == nil {
		t.Error("SHA-256 secret accepted for a SHA-384 suite")
	}
	if _, err := New(tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, make([]byte, 32), make([]byte, 32), 0, 0); err == nil {
		t.Error("TLS 1.2 suite accepted")
	}
	if RecordLen([]byte{23, 3, 3, 0}) != 0 || RecordLen([]byte{23, 3, 3, 1, 2}) != HeaderLen+0x102 {
		t.Error("RecordLen")
	}
	if Alert(99).String() != "alert(99)" || AlertBadRecordMAC.Error() != "tls: bad record MAC" {
		t.Error("alert text")
	}
}
