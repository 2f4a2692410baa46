package natsfabric

import (
	"slices"
	"strings"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/router"
)

// wampMatches is the WAMP spec's matching, naively: exact by string,
// prefix by string prefix (not by component), wildcard by component,
// an empty pattern component matching any one component.
func wampMatches(pattern, topic, match string) bool {
	switch match {
	case wamp.MatchPrefix:
		return strings.HasPrefix(topic, pattern)
	case wamp.MatchWildcard:
		p, tp := strings.Split(pattern, "."), strings.Split(topic, ".")
		if len(p) != len(tp) {
			return false
		}
		for i := range p {
			if p[i] != "" && p[i] != tp[i] {
				return false
			}
		}
		return true
	}
	return pattern == topic
}

// natsMatches is NATS subject matching: '*' one token, '>' one or more
// at the end.
func natsMatches(sub, subject string) bool {
	s, t := strings.Split(sub, "."), strings.Split(subject, ".")
	for i, tok := range s {
		if tok == ">" {
			return i == len(s)-1 && len(t) > i
		}
		if i >= len(t) || tok != "*" && tok != t[i] {
			return false
		}
	}
	return len(s) == len(t)
}

func TestInterestSubject(t *testing.T) {
	for _, c := range []struct {
		topic, match, want string
	}{
		{"com.a.b", wamp.MatchExact, "wamp.r%2E1.com.a.b"},
		{"com.a", wamp.MatchPrefix, "wamp.r%2E1.com.>"},
		{"com.a.", wamp.MatchPrefix, "wamp.r%2E1.com.a.>"},
		{"com", wamp.MatchPrefix, "wamp.r%2E1.>"},
		{"com..x", wamp.MatchWildcard, "wamp.r%2E1.com.*.x"},
		{".a.", wamp.MatchWildcard, "wamp.r%2E1.*.a.*"},
		{"com.a*b", wamp.MatchWildcard, "wamp.r%2E1.com.a%2Ab"},
	} {
		if got := interestSubject("r.1", wamp.URI(c.topic), c.match); got != c.want {
			t.Errorf("interestSubject(%q, %s) = %q, want %q", c.topic, c.match, got, c.want)
		}
	}
}

// Every topic a subscription matches comes on its subject: the subject is
// a superset, by component, of the WAMP match.
func FuzzInterestSubject(f *testing.F) {
	f.Add("com.a", "com.ab.c", 1)
	f.Add("com.a.", "com.a.b", 1)
	f.Add("com..x", "com.y.x", 2)
	f.Add("com.a", "com.a", 0)
	f.Add("", "x", 1)
	f.Fuzz(func(t *testing.T, pattern, topic string, m int) {
		match := []string{wamp.MatchExact, wamp.MatchPrefix, wamp.MatchWildcard}[uint(m)%3]
		if !wamp.ValidURI(wamp.URI(topic), false, wamp.MatchExact) || !wampMatches(pattern, topic, match) {
			return
		}
		sub, subject := interestSubject("realm", wamp.URI(pattern), match), Subject("realm", wamp.URI(topic))
		if !natsMatches(sub, subject) {
			t.Fatalf("%s %q matches %q, but its subject %q does not match %q", match, pattern, topic, sub, subject)
		}
	})
}

func TestSessionsRoundTrip(t *testing.T) {
	in := []router.FabricSession{{ID: 1, AuthID: "a", AuthRole: "r", AuthMethod: "ticket", AuthProvider: "static"},
		{ID: 9007199254740992, AuthRole: "x"}}
	b, err := encodeSessions("n1", "realm.x", in)
	if err != nil {
		t.Fatal(err)
	}
	node, realm, out, err := decodeSessions(b)
	if err != nil || node != "n1" || realm != "realm.x" {
		t.Fatalf("decodeSessions: %q %q %v", node, realm, err)
	}
	for i := range in {
		in[i].Node = "n1"
	}
	if !slices.Equal(in, out) {
		t.Fatalf("decoded %+v, want %+v", out, in)
	}
	if b, err = encodeSessions("n1", "r", nil); err != nil {
		t.Fatal(err)
	}
	if _, _, out, err = decodeSessions(b); err != nil || len(out) != 0 {
		t.Fatalf("empty list: %v %v", out, err)
	}
}

func FuzzDecodeSessions(f *testing.F) {
	b, err := encodeSessions("n", "r", []router.FabricSession{{ID: 5, AuthID: "a", AuthRole: "b"}})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add([]byte{0x84, 0x07})
	f.Fuzz(func(t *testing.T, b []byte) {
		node, realm, list, err := decodeSessions(b)
		if err != nil {
			return
		}
		again, err := encodeSessions(node, realm, list)
		if err != nil {
			t.Fatalf("decoded sessions do not encode: %v", err)
		}
		_, _, list2, err := decodeSessions(again)
		if err != nil || len(list2) != len(list) {
			t.Fatalf("re-decoded: %v %v", list2, err)
		}
	})
}
