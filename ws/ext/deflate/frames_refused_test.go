package deflate

import (
	"testing"

	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/ext/internal/exttest"
)

// TestFramesRefused: a compressed control frame and RSV1 on a
// continuation frame fail the connection with 1002 (RFC 7692 §6.1, RFC
// 6455 §5.2); a bomb cut into many continuation frames is stopped at the
// message limit with 1009, with and without context takeover.
func TestFramesRefused(t *testing.T) {
	for _, o := range []Options{{}, {ServerNoContextTakeover: true, ClientNoContextTakeover: true}} {
		url := exttest.Serve(t, &ws.Options{MaxMessagePayload: 1 << 20, Extensions: []ws.Extension{New(o)}})
		hello := []byte{0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00}
		if got := exttest.RawFrames(t, url, Name, []ws.Header{{Fin: true, Rsv: ws.Rsv1, Op: ws.OpPing}}, [][]byte{hello}); got != ws.StatusProtocolError {
			t.Errorf("%+v: compressed ping: closed with %v", o, got)
		}
		if got := exttest.RawFrames(t, url, Name, []ws.Header{{Rsv: ws.Rsv1, Op: ws.OpText}, {Fin: true, Rsv: ws.Rsv1, Op: ws.OpContinuation}},
			[][]byte{hello[:3], hello[3:]}); got != ws.StatusProtocolError {
			t.Errorf("%+v: RSV1 on a continuation: closed with %v", o, got)
		}
		z := bomb(16 << 20)
		hs, ps := fragments(z, 1000)
		if got := exttest.RawFrames(t, url, Name, hs, ps); got != ws.StatusMessageTooBig {
			t.Errorf("%+v: fragmented bomb: closed with %v", o, got)
		}
	}
}
