package ws

import (
	"net"
	"testing"
)

// tcpPeer returns the two ends of a loopback TCP connection: local, the
// accepted end, for the Conn under test, and peer, the dialed end, for the
// test's raw peer. Both are closed when the test ends, after the
// cleanups registered later (the Conn's Close first).
func tcpPeer(t *testing.T) (local, peer net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		nc, _ := ln.Accept()
		accepted <- nc
	}()
	peer, err = net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	local = <-accepted
	if local == nil {
		_ = peer.Close()
		t.Fatal("accept failed")
	}
	t.Cleanup(func() {
		_ = peer.Close()
		_ = local.Close()
	})
	return local, peer
}
