package flatbuffers_test

import (
	"errors"
	"strings"
	"testing"

	fb "github.com/google/flatbuffers/go"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/serialize/flatbuffers"
	"github.com/autobahn-go/autobahn/wamp/serialize/flatbuffers/internal/fbs"
)

// publishEligibleAuthid builds a PUBLISH whose eligible_authid vector
// holds n references to one string s (FlatBuffers lets references share
// their target).
func publishEligibleAuthid(s string, n int) []byte {
	b := fb.NewBuilder(len(s) + 4*n + 256)
	topic := b.CreateString("com.x")
	so := b.CreateString(s)
	fbs.PublishStartEligibleAuthidVector(b, n)
	for range n {
		b.PrependUOffsetT(so)
	}
	vec := b.EndVector(n)
	fbs.PublishStart(b)
	fbs.PublishAddRequest(b, 1)
	fbs.PublishAddTopic(b, topic)
	fbs.PublishAddEligibleAuthid(b, vec)
	msg := fbs.PublishEnd(b)
	fbs.MessageStart(b)
	fbs.MessageAddMsgType(b, fbs.AnyMessagePublish)
	fbs.MessageAddMsg(b, msg)
	b.Finish(fbs.MessageEnd(b))
	return b.FinishedBytes()
}

// A [string] vector's references may share one string, and the reader
// copied it out once a reference: 4096 references to a 16 KiB string, a
// 32 KiB PUBLISH, made 64 MiB of strings (a megabyte made gigabytes).
// Strings that add up to more than the message are refused now, as
// malformed; a few references to one short string still read back.
func TestReview18SharedStringsBounded(t *testing.T) {
	var s flatbuffers.Serializer
	in := publishEligibleAuthid(strings.Repeat("x", 16<<10), 4096)
	alloc := allocated(func() {
		_, err := s.Unmarshal(in)
		var pe *wamp.ProtocolError
		if !errors.As(err, &pe) {
			t.Errorf("Unmarshal: %v, want a protocol error", err)
		}
	})
	if limit := uint64(64 * len(in)); alloc > limit {
		t.Errorf("decoding %d bytes allocated %d bytes, want at most %d", len(in), alloc, limit)
	}

	m, err := s.Unmarshal(publishEligibleAuthid("alice", 3))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := m.(*wamp.Publish).Options["eligible_authid"].(wamp.List)
	if len(got) != 3 || got[0] != "alice" || got[2] != "alice" {
		t.Errorf("eligible_authid %#v, want alice three times", m.(*wamp.Publish).Options["eligible_authid"])
	}
}
