// Package vectors loads the WAMP specification's test vectors (copied
// into testdata/wamp-proto with their license and source, see the README
// there) for the golden tests of package wamp and its serializers. Test
// helper; not API.
package vectors

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
)

// SkipEnv names the environment variable that, set to 1, lets the golden
// tests skip when the vector directory is missing (a trimmed copy of the
// tree). Otherwise they fail.
const SkipEnv = "AUTOBAHN_SKIP_WAMP_VECTORS"

// Encoding is one byte representation of a sample for one serializer.
type Encoding struct {
	Bytes []byte
	Note  string
}

// Sample is a serialization sample or a validation sample (Wmsg != nil).
type Sample struct {
	File        string
	Description string
	Serializers map[string][]Encoding
	Expected    map[string]any
	Wmsg        []any
	WantErr     string // for validation samples: substring, "" if valid
	MustFail    bool
}

// Name identifies the sample in test output.
func (s Sample) Name() string { return s.File + ": " + s.Description }

// vectorsPath is where the vectors live, from the module root.
var vectorsPath = filepath.Join("wamp", "internal", "vectors", "testdata", "wamp-proto")

// Dir returns the vector directory, testdata/wamp-proto beside this
// package, found from the working directory of the test (any package of
// the module) upward.
func Dir(t testing.TB) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for d := wd; ; d = filepath.Dir(d) {
		v := filepath.Join(d, vectorsPath)
		if _, err := os.Stat(filepath.Join(v, "singlemessage")); err == nil {
			return v
		}
		if filepath.Dir(d) == d {
			break
		}
	}
	if os.Getenv(SkipEnv) == "1" {
		t.Skipf("WAMP test vectors not found and %s=1", SkipEnv)
	}
	t.Fatalf("WAMP test vectors not found at %s from %s upward (set %s=1 to skip)", vectorsPath, wd, SkipEnv)
	return ""
}

type fileJSON struct {
	Type    string `json:"wamp_message_type"`
	Samples []struct {
		Description string `json:"description"`
		Serializers map[string][]struct {
			Bytes    *string `json:"bytes"`
			BytesHex *string `json:"bytes_hex"`
			Note     string  `json:"note"`
		} `json:"serializers"`
		Expected map[string]any `json:"expected_attributes"`
		Wmsg     []any          `json:"wmsg"`
		Err      *struct {
			Contains string `json:"contains"`
		} `json:"expected_error"`
	} `json:"samples"`
}

// Load reads every singlemessage vector.
func Load(t testing.TB) []Sample {
	t.Helper()
	dir := filepath.Join(Dir(t), "singlemessage")
	files, err := filepath.Glob(filepath.Join(dir, "*", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no vectors in %s: %v", dir, err)
	}
	sort.Strings(files)
	var out []Sample
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var fj fileJSON
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		if err := dec.Decode(&fj); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		rel, _ := filepath.Rel(dir, f)
		for _, s := range fj.Samples {
			smp := Sample{File: rel, Description: s.Description, Serializers: map[string][]Encoding{}}
			for name, encs := range s.Serializers {
				for _, e := range encs {
					var b []byte
					switch {
					case e.BytesHex != nil:
						b, err = hex.DecodeString(*e.BytesHex)
						if err != nil {
							t.Fatalf("%s: %v", f, err)
						}
					case e.Bytes != nil:
						b = []byte(*e.Bytes)
					}
					smp.Serializers[name] = append(smp.Serializers[name], Encoding{b, e.Note})
				}
			}
			if s.Expected != nil {
				smp.Expected = Normalize(s.Expected).(map[string]any)
			}
			if s.Wmsg != nil {
				smp.Wmsg = Normalize(s.Wmsg).([]any)
				if s.Err != nil {
					smp.MustFail = true
					smp.WantErr = s.Err.Contains
				}
			}
			out = append(out, smp)
		}
	}
	return out
}

// Normalize maps decoded values onto one representation for comparison:
// integers become int64 (uint64 above MaxInt64), json.Number is parsed,
// maps and lists are walked.
func Normalize(v any) any {
	switch x := v.(type) {
	case json.Number:
		if n, err := x.Int64(); err == nil {
			return n
		}
		var u uint64
		if _, err := fmt.Sscan(string(x), &u); err == nil {
			return u
		}
		f, _ := x.Float64()
		return f
	case uint64:
		if x <= math.MaxInt64 {
			return int64(x)
		}
		return x
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = Normalize(e)
		}
		return m
	case []any:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = Normalize(e)
		}
		return l
	case []string:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = e
		}
		return l
	}
	if n, ok := wamp.AsInt64(v); ok {
		if _, isFloat := v.(float64); !isFloat {
			return n
		}
	}
	return v
}

// Attrs returns the attributes of m under the names the vectors use.
func Attrs(m wamp.Message) map[string]any {
	a := map[string]any{"message_type": int64(m.Type())}
	switch x := m.(type) {
	case *wamp.Hello:
		a["realm"], a["details"], a["roles"] = string(x.Realm), x.Details, x.Details["roles"]
	case *wamp.Welcome:
		a["session_id"], a["details"], a["roles"] = x.Session, x.Details, x.Details["roles"]
	case *wamp.Abort:
		a["details"], a["reason"] = x.Details, string(x.Reason)
	case *wamp.Goodbye:
		a["details"], a["reason"] = x.Details, string(x.Reason)
	case *wamp.Challenge:
		a["method"], a["extra"] = x.AuthMethod, x.Extra
	case *wamp.Authenticate:
		a["signature"], a["extra"] = x.Signature, x.Extra
	case *wamp.Error:
		a["request_type"], a["request_id"], a["details"], a["error"] = int64(x.RequestType), x.Request, x.Details, string(x.Error)
		a["args"], a["kwargs"], a["payload"] = x.Args, x.Kwargs, x.Payload
	case *wamp.Publish:
		a["request_id"], a["options"], a["topic"] = x.Request, x.Options, string(x.Topic)
		a["args"], a["kwargs"], a["payload"] = x.Args, x.Kwargs, x.Payload
	case *wamp.Published:
		a["request_id"], a["publication_id"] = x.Request, x.Publication
	case *wamp.Subscribe:
		a["request_id"], a["options"], a["topic"] = x.Request, x.Options, string(x.Topic)
	case *wamp.Subscribed:
		a["request_id"], a["subscription_id"] = x.Request, x.Subscription
	case *wamp.Unsubscribe:
		a["request_id"], a["subscription_id"] = x.Request, x.Subscription
	case *wamp.Unsubscribed:
		a["request_id"], a["details"] = x.Request, x.Details
	case *wamp.Event:
		a["subscription"], a["publication"], a["details"] = x.Subscription, x.Publication, x.Details
		a["args"], a["kwargs"], a["payload"] = x.Args, x.Kwargs, x.Payload
	case *wamp.Call:
		a["request_id"], a["options"], a["procedure"] = x.Request, x.Options, string(x.Procedure)
		a["args"], a["kwargs"], a["payload"] = x.Args, x.Kwargs, x.Payload
	case *wamp.Cancel:
		a["request_id"], a["options"] = x.Request, x.Options
	case *wamp.Result:
		a["request_id"], a["details"] = x.Request, x.Details
		a["args"], a["kwargs"], a["payload"] = x.Args, x.Kwargs, x.Payload
	case *wamp.Register:
		a["request_id"], a["options"], a["procedure"] = x.Request, x.Options, string(x.Procedure)
	case *wamp.Registered:
		a["request_id"], a["registration_id"] = x.Request, x.Registration
	case *wamp.Unregister:
		a["request_id"], a["registration_id"] = x.Request, x.Registration
	case *wamp.Unregistered:
		a["request_id"], a["details"] = x.Request, x.Details
	case *wamp.Invocation:
		a["request_id"], a["registration_id"], a["details"] = x.Request, x.Registration, x.Details
		a["args"], a["kwargs"], a["payload"] = x.Args, x.Kwargs, x.Payload
	case *wamp.Interrupt:
		a["request_id"], a["options"] = x.Request, x.Options
	case *wamp.Yield:
		a["request_id"], a["options"] = x.Request, x.Options
		a["args"], a["kwargs"], a["payload"] = x.Args, x.Kwargs, x.Payload
	}
	return a
}

// CheckExpected compares m with the sample's expected attributes.
func CheckExpected(m wamp.Message, exp map[string]any) error {
	got := Attrs(m)
	keys := make([]string, 0, len(exp))
	for k := range exp {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		want := exp[k]
		g, ok := got[k]
		if !ok {
			return fmt.Errorf("attribute %q not known to the test", k)
		}
		if k == "payload" {
			p, _ := g.([]byte)
			w, _ := want.(string)
			if hex.EncodeToString(p) != w {
				return fmt.Errorf("payload = %x, want %s", p, w)
			}
			continue
		}
		if !Equal(g, want) {
			return fmt.Errorf("%s = %#v, want %#v", k, Normalize(g), want)
		}
	}
	return nil
}

// Equal compares two decoded values after Normalize; a nil or empty dict
// or list equals another nil or empty one, and NaN equals NaN (a codec that
// round-trips a NaN is right, though NaN != NaN).
func Equal(a, b any) bool {
	a, b = Normalize(unwrap(a)), Normalize(unwrap(b))
	if isEmpty(a) && isEmpty(b) {
		return true
	}
	return deepEqual(a, b)
}

func deepEqual(a, b any) bool {
	switch x := a.(type) {
	case float64:
		if y, ok := b.(float64); ok && math.IsNaN(x) && math.IsNaN(y) {
			return true
		}
	case float32:
		if y, ok := b.(float32); ok && x != x && y != y {
			return true
		}
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !Equal(x[i], y[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !Equal(v, w) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(a, b)
}

func unwrap(v any) any {
	switch x := v.(type) {
	case wamp.ID:
		return int64(x)
	case map[string]any:
		if x == nil {
			return nil
		}
	case []any:
		if x == nil {
			return nil
		}
	case []byte:
		if x == nil {
			return nil
		}
	}
	return v
}

func isEmpty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case map[string]any:
		return len(x) == 0
	case []any:
		return len(x) == 0
	}
	return false
}

// MessagesEqual compares two messages attribute by attribute.
func MessagesEqual(a, b wamp.Message) error { return messagesEqual(a, b, nil) }

// messagesEqual is MessagesEqual with fix, if not nil, applied to each of
// a's attributes (after Normalize) before it is compared.
func messagesEqual(a, b wamp.Message, fix func(any) any) error {
	if a.Type() != b.Type() {
		return fmt.Errorf("type %v != %v", a.Type(), b.Type())
	}
	aa, ba := Attrs(a), Attrs(b)
	for k, v := range aa {
		if k == "payload" {
			if !bytes.Equal(asBytes(v), asBytes(ba[k])) {
				return fmt.Errorf("payload %x != %x", v, ba[k])
			}
			continue
		}
		if fix != nil {
			v = fix(Normalize(v))
		}
		if !Equal(v, ba[k]) {
			return fmt.Errorf("%s: %#v != %#v", k, Normalize(v), Normalize(ba[k]))
		}
	}
	return nil
}

func asBytes(v any) []byte { b, _ := v.([]byte); return b }

// Supported reports whether the message type of the sample is one this
// project implements (EVENT_RECEIVED, 337, is provisional and is not).
func Supported(s Sample) bool {
	return !strings.Contains(s.File, "eventreceived")
}

// FuzzRoundTrip is the shared body of the serializers' FuzzUnmarshal targets:
// it seeds f with a CALL and an EVENT carrying every value kind, then checks
// that whatever s decodes without error re-encodes, decodes again and equals
// the first decoding. Decoders must never panic.
func FuzzRoundTrip(f *testing.F, s wamp.Serializer) { fuzzRoundTrip(f, s, nil) }

// FuzzRoundTripNonFiniteAsNull is FuzzRoundTrip for a serializer that, like
// UBJSON (and py-ubjson), decodes NaN and infinities but writes them as
// null: a non-finite float in the first decoding must come back as nil, and
// every other value unchanged.
func FuzzRoundTripNonFiniteAsNull(f *testing.F, s wamp.Serializer) {
	fuzzRoundTrip(f, s, nonFiniteAsNull)
}

// nonFiniteAsNull returns v, a Normalize'd value, with every NaN and
// infinity (float64 or float32), at any depth, replaced by nil.
func nonFiniteAsNull(v any) any {
	switch x := v.(type) {
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil
		}
	case float32:
		if f := float64(x); math.IsNaN(f) || math.IsInf(f, 0) {
			return nil
		}
	case map[string]any:
		for k, e := range x {
			x[k] = nonFiniteAsNull(e)
		}
	case []any:
		for i, e := range x {
			x[i] = nonFiniteAsNull(e)
		}
	}
	return v
}

func fuzzRoundTrip(f *testing.F, s wamp.Serializer, fix func(any) any) {
	for _, m := range []wamp.Message{
		&wamp.Call{Request: 1, Options: wamp.Dict{"timeout": int64(5)}, Procedure: "a.b", Args: wamp.List{int64(-1), 1.5, "x", []byte{1}}, Kwargs: wamp.Dict{"k": nil}},
		&wamp.Event{Subscription: 1, Publication: 2, Payload: []byte{1, 2}},
	} {
		b, err := s.AppendMessage(nil, m)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := s.Unmarshal(b)
		if err != nil {
			return
		}
		out, err := s.AppendMessage(nil, m)
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		m2, err := s.Unmarshal(out)
		if err != nil {
			t.Fatalf("decode own %x: %v", out, err)
		}
		if err := messagesEqual(m, m2, fix); err != nil {
			t.Fatal(err)
		}
	})
}

// Messages returns one message of every type this project implements, with
// payloads of every kind, for round-trip tests of serializers and
// transports.
func Messages() []wamp.Message {
	return []wamp.Message{
		&wamp.Hello{Realm: "realm1", Details: wamp.Dict{"roles": wamp.Dict{"caller": wamp.Dict{}}}},
		&wamp.Welcome{Session: 1234, Details: wamp.Dict{"roles": wamp.Dict{"dealer": wamp.Dict{}}}},
		&wamp.Abort{Details: wamp.Dict{"message": "no"}, Reason: wamp.ErrNoSuchRealm},
		&wamp.Challenge{AuthMethod: "wampcra", Extra: wamp.Dict{"challenge": "x"}},
		&wamp.Authenticate{Signature: "sig", Extra: wamp.Dict{}},
		&wamp.Goodbye{Details: wamp.Dict{}, Reason: wamp.ErrCloseNormal},
		&wamp.Error{RequestType: wamp.TypeCall, Request: 7, Details: wamp.Dict{}, Error: "com.err", Args: wamp.List{int64(1)}, Kwargs: wamp.Dict{"a": "b"}},
		&wamp.Publish{Request: 1, Options: wamp.Dict{"acknowledge": true}, Topic: "a.b", Args: wamp.List{"x"}},
		&wamp.Published{Request: 1, Publication: 2},
		&wamp.Subscribe{Request: 1, Options: wamp.Dict{"match": "wildcard"}, Topic: "a..c"},
		&wamp.Subscribed{Request: 1, Subscription: 2},
		&wamp.Unsubscribe{Request: 1, Subscription: 2},
		&wamp.Unsubscribed{Request: 1},
		&wamp.Unsubscribed{Request: 0, Details: wamp.Dict{"subscription": int64(5), "reason": "gone"}},
		&wamp.Event{Subscription: 1, Publication: 2, Details: wamp.Dict{}, Payload: []byte{0, 1, 2}},
		&wamp.Call{Request: 1, Options: wamp.Dict{"receive_progress": true}, Procedure: "a.b", Kwargs: wamp.Dict{"k": int64(1)}},
		&wamp.Cancel{Request: 1, Options: wamp.Dict{"mode": "kill"}},
		&wamp.Result{Request: 1, Details: wamp.Dict{"progress": true}, Args: wamp.List{nil, true}},
		&wamp.Register{Request: 1, Options: wamp.Dict{"match": "prefix"}, Procedure: "a.b."},
		&wamp.Registered{Request: 1, Registration: 2},
		&wamp.Unregister{Request: 1, Registration: 2},
		&wamp.Unregistered{Request: 1},
		&wamp.Invocation{Request: 1, Registration: 2, Details: wamp.Dict{"caller": int64(3)}, Args: wamp.List{[]byte("bin")}},
		&wamp.Interrupt{Request: 1, Options: wamp.Dict{"mode": "killnowait"}},
		&wamp.Yield{Request: 1, Options: wamp.Dict{"progress": true}, Args: wamp.List{1.5}},
	}
}

// FuzzWireMatchesList checks a serializer's Unmarshal, which reads the
// top-level list straight into a wamp.Wire, against the generic path:
// decode to a value with decode, then wamp.FromList. Both must accept the
// same inputs and give equal messages, and reject with the same kind of
// error (a protocol violation or not).
func FuzzWireMatchesList(f *testing.F, s wamp.Serializer, decode func([]byte) (any, error)) {
	for _, m := range Messages() {
		b, err := s.AppendMessage(nil, m)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := s.Unmarshal(b)
		var want wamp.Message
		v, refErr := decode(b)
		if refErr == nil {
			if l, ok := v.([]any); ok {
				want, refErr = wamp.FromList(l)
			} else {
				refErr = &wamp.ProtocolError{Msg: "message is not a list"}
			}
		}
		if (err == nil) != (refErr == nil) {
			t.Fatalf("%x: Unmarshal error %v, generic path error %v", b, err, refErr)
		}
		if err != nil {
			if errors.Is(err, wamp.ErrProtocolViolation) != errors.Is(refErr, wamp.ErrProtocolViolation) {
				t.Fatalf("%x: Unmarshal error %v, generic path error %v", b, err, refErr)
			}
			return
		}
		if err := MessagesEqual(want, got); err != nil {
			t.Fatalf("%x: %v", b, err)
		}
	})
}
