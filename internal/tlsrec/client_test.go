package tlsrec

import (
	"bytes"
	"crypto/tls"
	"errors"
	"io"
	"testing"
	"time"
)

// TestClientHandoverGoServer: a client's connection taken over after its
// handshake with a crypto/tls server, which sends a session ticket (the
// client offered resumption) or none: the ticket is skipped, and data
// flows both ways, from the client's first record on.
func TestClientHandoverGoServer(t *testing.T) {
	for _, tickets := range []bool{false, true} {
		srvCfg, cliCfg, _ := testConfigs(t)
		if tickets {
			// Offering resumption makes the server send a ticket;
			// the taken-over client skips it.
			cliCfg.ClientSessionCache = tls.NewLRUClientSessionCache(1)
		}
		cc, sc := connPair(t, viaTCP)
		capt := NewClientCapture(nil)
		cliCfg.KeyLogWriter = capt.KeyLogWriter()
		cli := tls.Client(tap(cc, capt), cliCfg) // reads whole records, so the ticket stays in the socket
		srv := tls.Server(sc, srvCfg)
		handshakeBoth(t, cli, srv)
		rc, err := capt.Conn(cli.ConnectionState())
		if err != nil {
			t.Fatal(err)
		}
		// Client → server first: the server reads it.
		out, err := rc.Seal(nil, []byte("from the client's record layer"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := cc.Write(out); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 64)
		_ = srv.SetReadDeadline(time.Now().Add(ioTimeout))
		n, err := io.ReadAtLeast(srv, buf, len("from the client's record layer"))
		if err != nil || string(buf[:n]) != "from the client's record layer" {
			t.Fatalf("server read %q, %v", buf[:n], err)
		}
		// Server → client: after the ticket, if any.
		msg := pattern(20000, 7) // two records
		go func() { _, _ = srv.Write(msg) }()
		var in, got []byte
		for len(got) < len(msg) {
			_ = cc.SetReadDeadline(time.Now().Add(ioTimeout))
			k, rerr := cc.Read(buf)
			if rerr != nil {
				t.Fatalf("tickets %v: %v after %d bytes", tickets, rerr, len(got))
			}
			in = append(in, buf[:k]...)
			plain, used, oerr := rc.Open(in)
			got = append(got, plain...)
			in = in[used:]
			if oerr != nil {
				t.Fatalf("tickets %v: Open: %v", tickets, oerr)
			}
		}
		if !bytes.Equal(got, msg) {
			t.Fatalf("tickets %v: client got %d bytes, not the message", tickets, len(got))
		}
		_ = srv.Close()
		cc.Close()
	}
}

// nst is a NewSessionTicket message with a body of n bytes.
func nst(n int) []byte {
	return append([]byte{handshakeNewSessionTicket, byte(n >> 16), byte(n >> 8), byte(n)}, make([]byte, n)...)
}

// TestClientSkipsTickets: a client's Conn skips NewSessionTicket messages
// whole or split across records (header included), and refuses them
// empty, too long, interleaved with data, or sent to a server.
func TestClientSkipsTickets(t *testing.T) {
	for _, id := range []uint16{tls.TLS_AES_128_GCM_SHA256, tls.TLS_CHACHA20_POLY1305_SHA256} {
		srv, cli := mirror(t, id)
		cli.client = true
		var b []byte
		b = sealRaw(srv, b, 23, inner(nst(200), 22, 0))
		t2 := nst(3000)
		b = sealRaw(srv, b, 23, inner(t2[:2], 22, 0)) // the header split
		b = sealRaw(srv, b, 23, inner(t2[2:1000], 22, 0))
		b = sealRaw(srv, b, 23, inner(t2[1000:], 22, 5))
		b = sealRaw(srv, b, 23, inner(append(nst(10), ku(0)...), 22, 0)) // a ticket, then a KeyUpdate ending the record
		if err := srv.out.update(srv.suite); err != nil {
			t.Fatal(err)
		}
		b = data(srv, b, "after the tickets")
		plain, used, err := cli.Open(b)
		if err != nil || used != len(b) || string(plain) != "after the tickets" {
			t.Fatalf("%x: %q, %d of %d, %v", id, plain, used, len(b), err)
		}
	}
	for _, tc := range []struct {
		name   string
		client bool
		in     func(srv *Conn) []byte
		err    error
	}{
		{"empty", true, func(srv *Conn) []byte { return sealRaw(srv, nil, 23, inner(nst(0), 22, 0)) }, AlertDecodeError},
		{"too-long", true, func(srv *Conn) []byte {
			return sealRaw(srv, nil, 23, inner([]byte{handshakeNewSessionTicket, 1, 0, 1}, 22, 0))
		}, AlertDecodeError},
		{"interleaved", true, func(srv *Conn) []byte {
			b := sealRaw(srv, nil, 23, inner(nst(100)[:50], 22, 0))
			return data(srv, b, "in the middle")
		}, AlertUnexpectedMessage},
		{"to-a-server", false, func(srv *Conn) []byte { return sealRaw(srv, nil, 23, inner(nst(10), 22, 0)) }, AlertUnexpectedMessage},
	} {
		srv, cli := mirror(t, tls.TLS_AES_128_GCM_SHA256)
		cli.client = tc.client
		if _, _, err := cli.Open(tc.in(srv)); !errors.Is(err, tc.err) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.err)
		}
	}
}
