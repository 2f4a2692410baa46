package wsloop_test

import (
	"bytes"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/autobahn-go/autobahn/eventloop"
	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/ext/deflate"
)

// firstPauser is pauseHolder (pause_hold_test.go) for a first message
// that starts with "first".
type firstPauser struct{ pauseHolder }

func (h *firstPauser) OnMessage(c *ws.Conn, op ws.Opcode, p []byte) {
	if bytes.HasPrefix(p, []byte("first")) {
		p = []byte("first")
	}
	h.pauseHolder.OnMessage(c, op, p)
}

// TestReview15PauseAfterOffloadedMessage: a handler that pauses reading
// in OnMessage for a message that was decompressed off the loop gets no
// more messages until it resumes, as for one decoded on the loop; they
// come after ResumeRead, in order. Resume, which delivers such a message,
// went on to parse the input read meanwhile whatever the handler did: the
// messages that had come behind it were all delivered while paused.
func TestReview15PauseAfterOffloadedMessage(t *testing.T) {
	const n = 200
	h := &firstPauser{pauseHolder{paused: make(chan *ws.Conn, 1), got: make(chan string, n)}}
	opts := &ws.Options{PingInterval: -1, Extensions: []ws.Extension{deflate.New(deflate.Options{})}}
	u, _ := serve(t, h, opts, eventloop.Config{Loops: 1})
	a := dial(t, u, opts)
	b := dial(t, u, &ws.Options{PingInterval: -1})
	rng := rand.New(rand.NewPCG(3, 4))
	first := []byte("first")
	for range 4 << 10 { // incompressible: over InlineDecodeMax compressed
		first = append(first, 'a'+byte(rng.IntN(26)))
	}
	msgs := [][]byte{first}
	for i := range n {
		msgs = append(msgs, []byte(strconv.Itoa(i)))
	}
	checkHeldWhilePaused(t, &h.pauseHolder, a, b, msgs)
}
