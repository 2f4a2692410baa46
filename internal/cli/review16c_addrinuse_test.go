package cli

import (
	"context"
	"io"
	"net"
	"strings"
	"testing"
)

// serve on an address another program holds fails at once with the
// system's "address already in use" and says what to do about it: which
// flag picks another address.
func TestReview16cServeAddrInUseSaysWhichFlag(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	busy := ln.Addr().String()
	for _, tt := range []struct {
		args []string
		flag string
	}{
		{[]string{"serve", "--addr", busy}, "--addr"},
		{[]string{"serve", "--driver", "std", "--addr", busy}, "--addr"},
		{[]string{"serve", "--addr", "127.0.0.1:0", "--loop-addr", busy}, "--loop-addr"},
		{[]string{"serve", "--addr", "127.0.0.1:0", "--rawsocket-addr", busy}, "--rawsocket-addr"},
		{[]string{"serve", "--addr", "127.0.0.1:0", "--metrics-addr", busy}, "--metrics-addr"},
	} {
		err := run(context.Background(), tt.args, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "address already in use") {
			t.Errorf("%q: %v, want address already in use", tt.args, err)
			continue
		}
		if want := tt.flag + " picks another address"; !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %q does not say %q", tt.args, err, want)
		}
	}
}
