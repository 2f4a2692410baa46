package wsmetrics_test

import (
	"bufio"
	"context"
	"net"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/ext/deflate"
	"github.com/autobahn-go/autobahn/ws/wsmetrics"
)

// rawUpgrade opens a TCP connection to addr and completes a WebSocket
// handshake by hand, so that the test can send frames a ws.Conn would
// not (unmasked, invalid UTF-8, an empty close frame).
func rawUpgrade(t *testing.T, addr string) (net.Conn, *bufio.Reader) {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	_ = nc.SetDeadline(time.Now().Add(10 * time.Second))
	_, err = nc.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(nc)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 101 {
		t.Fatalf("handshake answered %d", resp.StatusCode)
	}
	return nc, br
}

var key = [4]byte{1, 2, 3, 4}

// TestEndingsDiff drives the same endings through every driver and
// compares the counters: each driver must count them alike.
func TestEndingsDiff(t *testing.T) {
	snaps := map[string]wsmetrics.Snapshot{}
	for name, start := range drivers {
		t.Run(name, func(t *testing.T) {
			m := new(wsmetrics.Set)
			h := &echo{closes: make(chan ws.StatusCode, 16)}
			addr, stop := start(t, h, m, &ws.Options{MaxMessagePayload: 1024, Extensions: []ws.Extension{deflate.New(deflate.Options{})}})
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			url := "ws://" + addr + "/"

			// Peer closes with 1001, 3000, and an empty close frame (1005).
			for _, code := range []ws.StatusCode{1001, 3000} {
				c, err := ws.Dial(ctx, url, nil)
				if err != nil {
					t.Fatal(err)
				}
				if err := c.Close(code, ""); err != nil {
					t.Fatal(err)
				}
				wantClose(t, h, code)
			}
			nc, br := rawUpgrade(t, addr)
			_, _ = nc.Write(ws.AppendFrame(nil, ws.OpClose, true, true, key, nil))
			wantClose(t, h, ws.StatusNoStatusReceived)
			_, _ = br.ReadByte()
			nc.Close()

			// Protocol faults: unmasked (1002), invalid UTF-8 (1007), too big (1009).
			nc, br = rawUpgrade(t, addr)
			_, _ = nc.Write(ws.AppendFrame(nil, ws.OpText, true, false, key, []byte("x")))
			_, _ = readFrame(br)
			nc.Close()
			wantClose(t, h, ws.StatusProtocolError)
			nc, br = rawUpgrade(t, addr)
			_, _ = nc.Write(ws.AppendFrame(nil, ws.OpText, true, true, key, []byte{0xff, 0xfe}))
			_, _ = readFrame(br)
			nc.Close()
			wantClose(t, h, ws.StatusInvalidFramePayloadData)
			nc, br = rawUpgrade(t, addr)
			_, _ = nc.Write(ws.AppendFrame(nil, ws.OpBinary, true, true, key, make([]byte, 2000)))
			_, _ = readFrame(br)
			nc.Close()
			wantClose(t, h, ws.StatusMessageTooBig)

			// A fragmented message of 3 frames: one message of 30 bytes.
			nc, br = rawUpgrade(t, addr)
			var b []byte
			b = ws.AppendFrame(b, ws.OpBinary, false, true, key, make([]byte, 10))
			b = ws.AppendFrame(b, ws.OpContinuation, false, true, key, make([]byte, 10))
			b = ws.AppendFrame(b, ws.OpContinuation, true, true, key, make([]byte, 10))
			_, _ = nc.Write(b)
			hd, err := readFrame(br)
			if err != nil || hd != 30 {
				t.Fatalf("echo of the fragmented message: %d bytes, %v", hd, err)
			}
			_, _ = nc.Write(ws.AppendFrame(nil, ws.OpClose, true, true, key, ws.AppendClosePayload(nil, 1000, "")))
			wantClose(t, h, 1000)
			nc.Close()

			// A compressed message both ways.
			c, err := ws.Dial(ctx, url, &ws.Options{Extensions: []ws.Extension{deflate.New(deflate.Options{})}})
			if err != nil {
				t.Fatal(err)
			}
			roundTrip(ctx, t, c, ws.OpText, []byte(strings.Repeat("a", 500)))
			// Left open: Shutdown closes it with 1001.
			go func() {
				for {
					if _, _, err := c.ReadMessage(ctx); err != nil {
						return
					}
				}
			}()
			stop()
			wantClose(t, h, ws.StatusGoingAway)
			_ = c.CloseNow()
			snaps[name] = m.Snapshot()
		})
	}
	var first string
	for name, s := range snaps {
		s.Durations = wsmetrics.Histogram{}
		snaps[name] = s
		if first == "" {
			first = name
			t.Logf("%s: %+v", name, s)
			continue
		}
		if !reflect.DeepEqual(s, snaps[first]) {
			t.Errorf("%s counted\n%+v\n%s counted\n%+v", first, snaps[first], name, s)
		}
	}
}

// readFrame reads one unmasked frame and returns its payload length.
func readFrame(br *bufio.Reader) (int, error) {
	var hb [14]byte
	if _, err := br.Read(hb[:2]); err != nil {
		return 0, err
	}
	n := int(hb[1] & 0x7f)
	if n == 126 {
		if _, err := br.Read(hb[2:4]); err != nil {
			return 0, err
		}
		n = int(hb[2])<<8 | int(hb[3])
	}
	p := make([]byte, n)
	_, err := br.Read(p)
	return n, err
}
