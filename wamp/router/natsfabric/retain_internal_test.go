package natsfabric

import (
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/router"
	"github.com/nats-io/nats.go"
)

func TestRetainedRoundTrip(t *testing.T) {
	p := &router.FabricPublication{Realm: "com.example.realm", Topic: "a.b-c.d e", ID: 7, Publisher: 9,
		PublisherAuthID: "alice", Disclose: true, Options: wamp.Dict{"retain": true}, Args: wamp.List{"x"}}
	b, err := encodeEvent("n1", p)
	if err != nil {
		t.Fatal(err)
	}
	subject := retainSubject(p.Realm, p.Topic)
	cleared, q, err := decodeRetained(subject, nil, b)
	if err != nil || cleared {
		t.Fatalf("decodeRetained: cleared %v, err %v", cleared, err)
	}
	if q.Realm != p.Realm || q.Topic != p.Topic || q.ID != p.ID || q.PublisherAuthID != "alice" || !q.Disclose || q.Args[0] != "x" {
		t.Fatalf("decoded %+v, want %+v", q, p)
	}
	cleared, q, err = decodeRetained(subject, nats.Header{retainedHeader: []string{retainedCleared}}, nil)
	if err != nil || !cleared || q.Topic != p.Topic || q.Realm != p.Realm {
		t.Fatalf("cleared marker: cleared %v, %+v, err %v", cleared, q, err)
	}
	for _, s := range []string{Subject(p.Realm, p.Topic), "wampret.", "wampret.r", "other.r.t"} {
		if _, _, err := decodeRetained(s, nil, b); err == nil {
			t.Errorf("decodeRetained(%q) took a subject that is not a retained event's", s)
		}
	}
	e, err := decodeHistoryEvent(Subject(p.Realm, p.Topic), b)
	if err != nil || e.Pub.ID != p.ID || e.Pub.Topic != p.Topic {
		t.Fatalf("decodeHistoryEvent: %+v, %v", e.Pub, err)
	}
	if _, err := decodeHistoryEvent(subject, b); err == nil {
		t.Fatal("decodeHistoryEvent took a retained event's subject")
	}
}

// FuzzDecodeRetained feeds the decoders of the JetStream streams' messages
// (a retained event's, a history's) anything: an error or a publication of
// the subject's realm and topic, never a panic.
func FuzzDecodeRetained(f *testing.F) {
	b, err := encodeEvent("n", &router.FabricPublication{ID: 5, Args: wamp.List{int64(1)}, Kwargs: wamp.Dict{"a": "b"}})
	if err != nil {
		f.Fatal(err)
	}
	f.Add("wampret.realm1.com.x", b, false)
	f.Add("wampret.realm1.com.x", []byte{}, true)
	f.Add("wampret.com%2Eexample.a%20b", b[:len(b)/2], false)
	f.Add("wamp.realm1.com.x", b, false)
	f.Fuzz(func(t *testing.T, subject string, data []byte, clear bool) {
		var h nats.Header
		if clear {
			h = nats.Header{retainedHeader: []string{retainedCleared}}
		}
		cleared, p, err := decodeRetained(subject, h, data)
		if err == nil {
			if p == nil || cleared != clear {
				t.Fatalf("decodeRetained(%q): cleared %v, p %v", subject, cleared, p)
			}
			if retainSubject(p.Realm, p.Topic) != subject {
				t.Fatalf("decodeRetained(%q): realm %q topic %q make %q", subject, p.Realm, p.Topic, retainSubject(p.Realm, p.Topic))
			}
		}
		if e, err := decodeHistoryEvent(subject, data); err == nil && (e.Pub == nil || Subject(e.Pub.Realm, e.Pub.Topic) != subject) {
			t.Fatalf("decodeHistoryEvent(%q): %+v", subject, e.Pub)
		}
	})
}
