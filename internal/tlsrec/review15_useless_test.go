package tlsrec

import (
	"crypto/tls"
	"errors"
	"testing"
)

// TestReview15UselessRecordsBounded: records that bring no application
// data (empty application data, padded or not, user_canceled warnings,
// KeyUpdates) are taken up to maxUseless in a row, as crypto/tls takes
// them (maxUselessRecords); one more fails Open with unexpected_message,
// whether they come in one input or one per Open. Application data resets
// the count. Without the bound a peer could send them forever: the loop
// opened every one and the connection stayed open and "active".
func TestReview15UselessRecordsBounded(t *testing.T) {
	empties := map[string]func(cli *Conn, b []byte) []byte{
		"empty": func(cli *Conn, b []byte) []byte { return sealRaw(cli, b, 23, inner(nil, 23, 0)) },
		"empty-padded": func(cli *Conn, b []byte) []byte {
			return sealRaw(cli, b, 23, inner(nil, 23, 100))
		},
		"user_canceled": func(cli *Conn, b []byte) []byte { return sealRaw(cli, b, 23, inner([]byte{1, 90}, 21, 0)) },
		"key_update": func(cli *Conn, b []byte) []byte {
			b = sealRaw(cli, b, 23, inner(ku(0), 22, 0))
			if err := cli.out.update(cli.suite); err != nil {
				t.Fatal(err)
			}
			return b
		},
	}
	for name, useless := range empties {
		for _, oneByOne := range []bool{false, true} {
			srv, cli := mirror(t, tls.TLS_AES_128_GCM_SHA256)
			open := func(b []byte) (string, error) {
				if !oneByOne {
					plain, used, err := srv.Open(b)
					if err == nil && used != len(b) {
						t.Fatalf("%s: used %d of %d", name, used, len(b))
					}
					return string(plain), err
				}
				var got string
				for len(b) > 0 {
					n := RecordLen(b)
					plain, _, err := srv.Open(b[:n])
					got += string(plain)
					if err != nil {
						return got, err
					}
					b = b[n:]
				}
				return got, nil
			}
			// maxUseless of them, data, maxUseless again, data: taken.
			var b []byte
			for range maxUseless {
				b = useless(cli, b)
			}
			b = data(cli, b, "a")
			for range maxUseless {
				b = useless(cli, b)
			}
			b = data(cli, b, "b")
			if got, err := open(b); err != nil || got != "ab" {
				t.Fatalf("%s (one by one %v): %q, %v; want \"ab\"", name, oneByOne, got, err)
			}
			// One more than maxUseless in a row: refused.
			b = b[:0]
			for range maxUseless + 1 {
				b = useless(cli, b)
			}
			b = data(cli, b, "never")
			if got, err := open(b); !errors.Is(err, AlertUnexpectedMessage) || got != "" {
				t.Fatalf("%s (one by one %v): %d in a row: %q, %v; want unexpected_message", name, oneByOne, maxUseless+1, got, err)
			}
		}
	}
}
