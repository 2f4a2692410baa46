package wamp_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/internal/vectors"
)

// TestVectorValidation runs the validation samples (raw wire lists that
// must be accepted or rejected with a protocol violation).
func TestVectorValidation(t *testing.T) {
	n := 0
	for _, s := range vectors.Load(t) {
		if s.Wmsg == nil {
			continue
		}
		n++
		_, err := wamp.FromList(s.Wmsg)
		switch {
		case s.MustFail && err == nil:
			t.Errorf("%s: accepted %v", s.Name(), s.Wmsg)
		case s.MustFail && !errors.Is(err, wamp.ErrProtocolViolation):
			t.Errorf("%s: error %v does not match ErrProtocolViolation", s.Name(), err)
		case s.MustFail && !strings.Contains(err.Error(), s.WantErr):
			t.Errorf("%s: error %q does not mention %q", s.Name(), err, s.WantErr)
		case !s.MustFail && err != nil:
			t.Errorf("%s: rejected: %v", s.Name(), err)
		}
	}
	if n < 50 {
		t.Fatalf("only %d validation samples", n)
	}
}

func TestRoundTrip(t *testing.T) {
	for _, m := range vectors.Messages() {
		t.Run(m.Type().String(), func(t *testing.T) {
			got, err := wamp.FromList(wamp.ToList(m))
			if err != nil {
				t.Fatal(err)
			}
			if err := vectors.MessagesEqual(m, got); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestFromListRejects(t *testing.T) {
	tests := []struct {
		name string
		l    wamp.List
		want string
	}{
		{"empty", wamp.List{}, "empty"},
		{"type not int", wamp.List{"x"}, "message type"},
		{"unknown type", wamp.List{int64(99)}, "unknown message type"},
		{"short", wamp.List{int64(48), int64(1), wamp.Dict{}}, "elements"},
		{"long", wamp.List{int64(17), int64(1), int64(2), int64(3)}, "elements"},
		{"id zero", wamp.List{int64(17), int64(0), int64(2)}, "Request"},
		{"id too big", wamp.List{int64(17), int64(1), uint64(1<<53 + 1)}, "Publication"},
		{"id negative", wamp.List{int64(17), int64(-1), int64(2)}, "Request"},
		{"id float", wamp.List{int64(17), 1.5, int64(2)}, "Request"},
		{"bad uri", wamp.List{int64(48), int64(1), wamp.Dict{}, "a..b"}, "Procedure"},
		{"uri with space", wamp.List{int64(32), int64(1), wamp.Dict{}, "a b"}, "Topic"},
		{"options not dict", wamp.List{int64(48), int64(1), wamp.List{}, "a.b"}, "Options"},
		{"args not list", wamp.List{int64(48), int64(1), wamp.Dict{}, "a.b", wamp.Dict{}}, "Arguments"},
		{"kwargs not dict", wamp.List{int64(48), int64(1), wamp.Dict{}, "a.b", wamp.List{}, wamp.List{}}, "ArgumentsKw"},
		{"error request type", wamp.List{int64(8), int64(1), int64(1), wamp.Dict{}, "e.r"}, "REQUEST.Type"},
		{"cancel mode", wamp.List{int64(49), int64(1), wamp.Dict{"mode": "stop"}}, "mode"},
		{"register invoke", wamp.List{int64(64), int64(1), wamp.Dict{"invoke": "all"}, "a.b"}, "invoke"},
		{"call timeout", wamp.List{int64(48), int64(1), wamp.Dict{"timeout": int64(-1)}, "a.b"}, "timeout"},
		{"realm", wamp.List{int64(1), "", wamp.Dict{}}, "Realm"},
		{"hello roles", wamp.List{int64(1), "r", wamp.Dict{"roles": "x"}}, "roles"},
		{"hello no roles", wamp.List{int64(1), "r", wamp.Dict{}}, "roles"},
		{"hello unknown role", wamp.List{int64(1), "r", wamp.Dict{"roles": wamp.Dict{"broker": wamp.Dict{}}}}, "roles"},
		{"welcome no roles", wamp.List{int64(2), int64(1), wamp.Dict{}}, "roles"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := wamp.FromList(tt.l)
			if !errors.Is(err, wamp.ErrProtocolViolation) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want a protocol violation mentioning %q", err, tt.want)
			}
		})
	}
}

func TestValidURI(t *testing.T) {
	tests := []struct {
		uri    wamp.URI
		strict bool
		match  string
		want   bool
	}{
		{"com.example.proc", true, "", true},
		{"com.Example.proc", true, "", false},
		{"com.Example.proc", false, "", true},
		{"com.exa-mple", false, "", true},
		{"com.exa-mple", true, "", false},
		{"com..proc", false, "", false},
		{"com..proc", false, wamp.MatchWildcard, true},
		{"com.", false, wamp.MatchPrefix, true},
		{"com.", false, wamp.MatchExact, false},
		{".com", false, wamp.MatchPrefix, false},
		{"", false, wamp.MatchExact, false},
		{"a#b", false, "", false},
		{"a b", false, "", false},
		{"a\u3000b", false, "", false},
		{"ñ.ü", false, "", true},
		{"ñ.ü", true, "", false},
		{"a_1.b_2", true, "", true},
	}
	for _, tt := range tests {
		if got := wamp.ValidURI(tt.uri, tt.strict, tt.match); got != tt.want {
			t.Errorf("ValidURI(%q, %v, %q) = %v", tt.uri, tt.strict, tt.match, got)
		}
	}
	if _, err := wamp.FromListStrict(wamp.List{int64(48), int64(1), wamp.Dict{}, "Com.X"}); err == nil {
		t.Error("strict decoding accepted an upper-case URI")
	}
}

func TestIDs(t *testing.T) {
	var g wamp.IDGen
	if a, b := g.Next(), g.Next(); a != 1 || b != 2 {
		t.Fatalf("IDGen: %d %d", a, b)
	}
	for range 1000 {
		if id := wamp.GlobalID(); id < 1 || id > wamp.MaxID {
			t.Fatalf("GlobalID %d out of range", id)
		}
	}
}

func ExampleFromList() {
	m, err := wamp.FromList(wamp.List{int64(48), int64(7), wamp.Dict{}, "com.example.add", wamp.List{int64(1), int64(2)}})
	if err != nil {
		panic(err)
	}
	c := m.(*wamp.Call)
	fmt.Println(c.Request, c.Procedure, c.Args)
	// Output: 7 com.example.add [1 2]
}

// TestShortListsNeverPanic feeds every message type lists that are too short
// or hold the wrong kinds (the RawSocket fuzzer once found an ERROR of one
// element that indexed past the end).
func TestShortListsNeverPanic(t *testing.T) {
	fillers := []any{nil, int64(1), "x", map[string]any{}, []any{}}
	for code := int64(0); code <= 70; code++ {
		for n := 0; n <= 8; n++ {
			for _, f := range fillers {
				l := wamp.List{code}
				for len(l) < n {
					l = append(l, f)
				}
				func() {
					defer func() {
						if r := recover(); r != nil {
							t.Fatalf("type %d, %d elements of %T: panic %v", code, n, f, r)
						}
					}()
					_, _ = wamp.FromList(l)
					_, _ = wamp.FromListStrict(l)
				}()
			}
		}
	}
}
