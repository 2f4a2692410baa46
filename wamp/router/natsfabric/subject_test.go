package natsfabric

import (
	"strings"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
)

func TestSubject(t *testing.T) {
	for _, c := range []struct {
		realm, topic wamp.URI
		want         string
	}{
		{"realm1", "com.example.news", "wamp.realm1.com.example.news"},
		{"com.example", "a.b", "wamp.com%2Eexample.a.b"},
		{"r", "a b.c*.>.%", "wamp.r.a%20b.c%2A.%3E.%25"},
		{"r", "ü.x", "wamp.r.%C3%BC.x"},
		{"r", "a..b", "wamp.r.a.%.b"},
	} {
		got := Subject(c.realm, c.topic)
		if got != c.want {
			t.Errorf("Subject(%q, %q) = %q, want %q", c.realm, c.topic, got, c.want)
		}
		realm, topic, err := ParseSubject(got)
		if err != nil || realm != c.realm || topic != c.topic {
			t.Errorf("ParseSubject(%q) = %q, %q, %v", got, realm, topic, err)
		}
	}
	if got := realmSubjects("com.example"); got != "wamp.com%2Eexample.>" {
		t.Errorf("realmSubjects = %q", got)
	}
	for _, bad := range []string{"", "wamp.", "wamp.r", "x.r.a", "wamp.r.a%2", "wamp.r.a%41", "wamp.r.a%2E", "wamp.r.a..b", "wamp.r.a%zz", "wamp.r.a%2a", "wamp.r.*"} {
		if _, _, err := ParseSubject(bad); err == nil {
			t.Errorf("ParseSubject(%q) accepted", bad)
		}
	}
}

// validSubject reports whether s is a NATS publish subject: non-empty
// tokens of printable ASCII without whitespace, none a wildcard.
func validSubject(s string) bool {
	for tok := range strings.SplitSeq(s, ".") {
		if tok == "" || tok == "*" || tok == ">" {
			return false
		}
		for i := 0; i < len(tok); i++ {
			if tok[i] <= ' ' || tok[i] >= 0x7f || tok[i] == '*' || tok[i] == '>' {
				return false
			}
		}
	}
	return true
}

// Any realm and topic make a valid subject that parses back to them;
// ParseSubject accepts only what Subject makes.
func FuzzSubject(f *testing.F) {
	f.Add("realm1", "com.example.news", "wamp.realm1.com.example.news")
	f.Add("a.b", "x y.*.>", "wamp.a%2Eb.%")
	f.Add("", "", "wamp.%.%")
	f.Fuzz(func(t *testing.T, realm, topic, subject string) {
		s := Subject(wamp.URI(realm), wamp.URI(topic))
		if !validSubject(s) {
			t.Fatalf("Subject(%q, %q) = %q: not a valid NATS subject", realm, topic, s)
		}
		r, tp, err := ParseSubject(s)
		if err != nil || string(r) != realm || string(tp) != topic {
			t.Fatalf("ParseSubject(Subject(%q, %q)) = %q, %q, %v", realm, topic, r, tp, err)
		}
		if r, tp, err := ParseSubject(subject); err == nil && Subject(r, tp) != subject {
			t.Fatalf("ParseSubject(%q) = %q, %q, which Subject writes as %q", subject, r, tp, Subject(r, tp))
		}
	})
}
