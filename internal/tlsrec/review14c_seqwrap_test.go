package tlsrec

import (
	"bytes"
	"crypto/tls"
	"errors"
	"math"
	"testing"
)

// TestReviewSealSeqNoWrap: a Conn whose write sequence is at 2^64-1 (the
// last number a key may use, RFC 8446 5.3) must not wrap to 0 and seal
// the next record under a nonce already used: every record it seals must
// differ from what a Conn at sequence 0 under the same key seals.
func TestReviewSealSeqNoWrap(t *testing.T) {
	for _, id := range allSuites {
		t.Run(tls.CipherSuiteName(id), func(t *testing.T) {
			s := suiteByID(id)
			rs, ws := pattern(s.hashSz, 1), pattern(s.hashSz, 2)
			late, err := New(id, bytes.Clone(rs), bytes.Clone(ws), 0, math.MaxUint64)
			if err != nil {
				t.Fatal(err)
			}
			peer, err := New(id, bytes.Clone(ws), bytes.Clone(rs), math.MaxUint64, 0)
			if err != nil {
				t.Fatal(err)
			}
			var wire []byte
			for _, p := range []string{"first", "second", "third"} {
				rec, err := late.Seal(nil, []byte(p))
				if err != nil {
					t.Fatal(err)
				}
				fresh, err := New(id, bytes.Clone(rs), bytes.Clone(ws), 0, 0)
				if err != nil {
					t.Fatal(err)
				}
				zero, err := fresh.Seal(nil, []byte(p))
				if err != nil {
					t.Fatal(err)
				}
				if bytes.Contains(rec, zero) {
					t.Fatalf("%q sealed under the nonce of sequence 0 again", p)
				}
				wire = append(wire, rec...)
			}
			plain, used, err := peer.Open(wire)
			if err != nil || used != len(wire) || string(plain) != "firstsecondthird" {
				t.Fatalf("peer Open: %q, used %d of %d, %v", plain, used, len(wire), err)
			}
		})
	}
}

// TestReviewOpenSeqNoWrap: a peer that sends a record at sequence 2^64-1
// and then another without a KeyUpdate needs a sequence number past
// 2^64, which RFC 8446 5.3 forbids; Open must not take that record as
// sequence 0 again (crypto/tls refuses to wrap).
func TestReviewOpenSeqNoWrap(t *testing.T) {
	for _, id := range allSuites {
		t.Run(tls.CipherSuiteName(id), func(t *testing.T) {
			srv, cli := mirror(t, id)
			srv.in.seq, cli.out.seq = math.MaxUint64, math.MaxUint64
			b := data(cli, nil, "last")
			plain, used, err := srv.Open(b)
			if err != nil || used != len(b) || string(plain) != "last" {
				t.Fatalf("record at 2^64-1: %q, %v", plain, err)
			}
			// The peer wraps to 0 (sealRaw does not check).
			if cli.out.seq != 0 {
				t.Fatalf("peer's sequence is %d", cli.out.seq)
			}
			b = data(cli, nil, "wrapped")
			plain, _, err = srv.Open(b)
			if len(plain) != 0 || !errors.Is(err, AlertUnexpectedMessage) {
				t.Fatalf("record past 2^64-1: %q, %v; want unexpected_message", plain, err)
			}
		})
	}
}

// TestReviewSealAfterLastAlert: an alert sealed at sequence 2^64-1 is the
// last record that key may protect; a Seal after it must fail rather
// than seal under the nonce of sequence 0 again.
func TestReviewSealAfterLastAlert(t *testing.T) {
	id := uint16(tls.TLS_AES_128_GCM_SHA256)
	s := suiteByID(id)
	c, err := New(id, pattern(s.hashSz, 1), pattern(s.hashSz, 2), 0, math.MaxUint64)
	if err != nil {
		t.Fatal(err)
	}
	if b := c.AppendCloseNotify(nil); len(b) == 0 {
		t.Fatal("no close_notify")
	}
	if out, err := c.Seal(nil, []byte("after")); err == nil {
		t.Fatalf("Seal after the last sequence number sealed %d bytes", len(out))
	}
}

// TestReviewKeyUpdateAtLastSeq: a KeyUpdate in the record at 2^64-1 is
// what RFC 8446 5.3 asks of the peer: the records after it open under the
// next key from sequence 0.
func TestReviewKeyUpdateAtLastSeq(t *testing.T) {
	srv, cli := mirror(t, tls.TLS_AES_128_GCM_SHA256)
	srv.in.seq, cli.out.seq = math.MaxUint64, math.MaxUint64
	b := sealRaw(cli, nil, 23, inner(ku(0), 22, 0))
	if err := cli.out.update(cli.suite); err != nil {
		t.Fatal(err)
	}
	b = data(cli, b, "next key")
	plain, used, err := srv.Open(b)
	if err != nil || used != len(b) || string(plain) != "next key" {
		t.Fatalf("Open: %q, used %d of %d, %v", plain, used, len(b), err)
	}
}
