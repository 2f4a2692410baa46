package wsloop

import (
	"bytes"
	"crypto/tls"
	"errors"
	"sync"
	"testing"
)

// TestMemConnDrainedAfterHandshake: records that arrive with the client's
// Finished (TLS 1.3 lets a client send data right behind it) are read on
// the loop after the handshake, and drained reports true only once
// crypto/tls holds none of them: the handshake's reads stopped at the
// end of the Finished record, so the loop knows where records start.
func TestMemConnDrainedAfterHandshake(t *testing.T) {
	cert, pool := newTestCert(t, "drained")
	var mu sync.Mutex
	var held []byte
	hold := false
	ms := newMemConn(&fakeWire{})
	mc := newMemConn(&fakeWire{write: func(b []byte) {
		mu.Lock()
		defer mu.Unlock()
		if hold {
			held = append(held, b...)
			return
		}
		hold = true // after the ClientHello
		ms.feed(b)
	}})
	ms.wire.(*fakeWire).write = mc.feed
	cli := tls.Client(mc, &tls.Config{RootCAs: pool, ServerName: "localhost", MinVersion: tls.VersionTLS13})
	srv := tls.Server(ms, &tls.Config{Certificates: []tls.Certificate{cert}})
	srvDone := make(chan error, 1)
	go func() { srvDone <- srv.Handshake() }()
	if err := cli.Handshake(); err != nil { // TLS 1.3: needs no answer to Finished
		t.Fatal(err)
	}
	msgs := [][]byte{[]byte("one"), bytes.Repeat([]byte("two"), 100), []byte("three")}
	for _, m := range msgs {
		if _, err := cli.Write(m); err != nil {
			t.Fatal(err)
		}
	}
	mu.Lock()
	ms.feed(held) // Finished and the three records in one piece
	held = nil
	mu.Unlock()
	if err := <-srvDone; err != nil {
		t.Fatal(err)
	}
	ms.toLoop()
	buf := make([]byte, maxRecordPlain)
	for i, want := range msgs {
		n, err := srv.Read(buf)
		if err != nil || !bytes.Equal(buf[:n], want) {
			t.Fatalf("record %d: %q, %v", i, buf[:n], err)
		}
		if d := ms.drained(); d != (i == len(msgs)-1) {
			t.Fatalf("after record %d of %d: drained %v", i+1, len(msgs), d)
		}
	}
	if n, err := srv.Read(buf); !errors.Is(err, errWouldBlock) {
		t.Fatalf("drained, yet Read: %d, %v", n, err)
	}
	// A record fed in pieces: drained only once its last byte was read.
	if _, err := cli.Write([]byte("four")); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	wire := held
	mu.Unlock()
	for i := range wire {
		ms.setInput(wire[i : i+1])
		n, err := srv.Read(buf)
		last := i == len(wire)-1
		if last && (err != nil || string(buf[:n]) != "four") || !last && !errors.Is(err, errWouldBlock) {
			t.Fatalf("byte %d of %d: %q, %v", i+1, len(wire), buf[:n], err)
		}
		if ms.drained() != last {
			t.Fatalf("byte %d of %d: drained %v", i+1, len(wire), !last)
		}
		ms.clearInput()
	}
}
