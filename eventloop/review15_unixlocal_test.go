//go:build linux

package eventloop

import (
	"context"
	"net"
	"testing"
	"time"
)

// TestDialUnixLocalAddr: DialWith binds DialOptions.LocalAddr for a unix socket as for TCP, on
// every backend: the peer sees that path as the client's address. The goroutine fallback read
// LocalAddr as a TCP address whatever the network and failed ("unknown network unix").
func TestDialUnixLocalAddr(t *testing.T) {
	dir := t.TempDir()
	ln, err := net.Listen("unix", dir+"/srv")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	l, _ := serve(t, Config{Loops: 1}, &funcs{})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := l.DialWith(ctx, "unix", dir+"/srv", DialOptions{LocalAddr: dir + "/cli"})
	if err != nil {
		t.Fatalf("DialWith unix with LocalAddr: %v", err)
	}
	defer c.Close()
	pc, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	if a, ok := pc.RemoteAddr().(*net.UnixAddr); !ok || a.Name != dir+"/cli" {
		t.Fatalf("the peer sees the client as %v, want %s", pc.RemoteAddr(), dir+"/cli")
	}
}
