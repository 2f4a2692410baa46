package deflate

import (
	"bufio"
	"bytes"
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/ext/internal/exttest"
)

// window8 are options that ask for the smallest windows.
var window8 = []Options{
	{ClientMaxWindowBits: 8},
	{ServerMaxWindowBits: 8},
	{ServerMaxWindowBits: 8, ClientMaxWindowBits: 8, ServerNoContextTakeover: true},
}

// TestReview17Window8Wire: options of 8 window bits never put 8 on the
// wire (zlib cannot compress raw DEFLATE with a 256-byte window, and
// Autobahn|Python fails the handshake on 8): a client offers and requests
// 9, a server answers 9; a peer that asks for 8 itself still gets it.
func TestReview17Window8Wire(t *testing.T) {
	for _, o := range window8 {
		if got := ws.FormatExtensions(New(o).Offers()); strings.Contains(got, "=8") {
			t.Errorf("%+v offers %q", o, got)
		}
		for _, offer := range []string{"permessage-deflate; client_max_window_bits", "permessage-deflate"} {
			ans, _, err := ws.NegotiateExtensions([]string{offer}, []ws.Extension{New(o)})
			if err != nil || ans == "" || strings.Contains(ans, "=8") {
				t.Errorf("%+v answers %q with %q, %v", o, offer, ans, err)
			}
		}
	}
	exttest.Negotiate(t, New(Options{ClientMaxWindowBits: 8}), [][2]string{
		{"permessage-deflate; server_max_window_bits=8; client_max_window_bits=8",
			"permessage-deflate; server_max_window_bits=8; client_max_window_bits=8"},
	})
	exttest.Answers(t, New(Options{ServerMaxWindowBits: 8, ClientMaxWindowBits: 8}), map[string]bool{
		"permessage-deflate; server_max_window_bits=8; client_max_window_bits=8": true,
		"permessage-deflate; server_max_window_bits=9; client_max_window_bits=9": true,
		"permessage-deflate; server_max_window_bits=10":                          false,
	})
}

// TestReview17Window8Python: options of 8 window bits make a working
// connection with Autobahn|Python, as client and as server (it failed the
// handshake both ways: "illegal extension parameter value 8"). Skipped
// without Autobahn|Python (Twisted) in /usr/bin/python3.
func TestReview17Window8Python(t *testing.T) {
	py, err := exec.LookPath("/usr/bin/python3")
	if err != nil {
		t.Skip("no /usr/bin/python3")
	}
	o := Options{ServerMaxWindowBits: 8, ClientMaxWindowBits: 8}
	msg := bytes.Repeat([]byte("window of eight bits "), 100)

	// Our client against its server.
	pctx, pcancel := context.WithCancel(context.Background())
	defer pcancel()
	cmd := exec.CommandContext(pctx, py, "testdata/review17_py_peer.py", "server")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { pcancel(); _ = cmd.Wait() }()
	port, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Skipf("no Autobahn|Python server (%v)", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c, err := ws.Dial(ctx, "ws://127.0.0.1:"+strings.TrimSpace(port)+"/", &ws.Options{Extensions: []ws.Extension{New(o)}})
	if err != nil {
		t.Errorf("dial Autobahn|Python: %v", err)
	} else {
		if err := c.WriteMessage(ctx, ws.OpBinary, msg); err != nil {
			t.Error(err)
		}
		if _, got, err := c.ReadMessage(ctx); err != nil || !bytes.Equal(got, msg) {
			t.Errorf("echo %d bytes, %v (%s)", len(got), err, c.Extensions())
		}
		_ = c.Close(ws.StatusNormalClosure, "")
	}

	// Its client against our server.
	url := exttest.Serve(t, &ws.Options{Extensions: []ws.Extension{New(o)}})
	if out, err := exec.CommandContext(ctx, py, "testdata/review17_py_peer.py", "client", url).CombinedOutput(); err != nil {
		t.Errorf("Autobahn|Python client: %v\n%s", err, out)
	}
}
