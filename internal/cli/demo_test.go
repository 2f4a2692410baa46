package cli

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/router"
)

// TestDemoProcedures calls the demo procedures the page's WAMP tab uses
// from another in-process session: add2 adds, echo returns what it got,
// and add2 of something else is wamp.error.invalid_argument.
func TestDemoProcedures(t *testing.T) {
	r, err := router.New(router.Config{Realms: []router.RealmConfig{{Name: "realm1", AllowAnonymous: true}}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	defer r.Close(ctx)
	demo, err := startDemo(ctx, r, "realm1")
	if err != nil {
		t.Fatal(err)
	}
	defer demo.Close()
	s, err := client.Join(ctx, r.Connect(), "realm1", client.JoinOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	res, err := s.Call(ctx, demoAdd2, wamp.List{2, 3}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if sum, ok := wamp.AsInt64(res.Args[0]); !ok || sum != 5 {
		t.Errorf("add2(2, 3) = %v", res.Args)
	}
	res, err = s.Call(ctx, demoEcho, wamp.List{"κόσμε", []byte{0, 1}}, wamp.Dict{"k": "v"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Args) != 2 {
		t.Fatalf("echo gave %v", res.Args)
	}
	if b, _ := res.Args[1].([]byte); res.Args[0] != "κόσμε" || string(b) != "\x00\x01" || res.Kwargs["k"] != "v" {
		t.Errorf("echo gave %v %v", res.Args, res.Kwargs)
	}
	_, err = s.Call(ctx, demoAdd2, wamp.List{"two", 3}, nil, nil)
	if !errors.Is(err, &client.Error{URI: wamp.ErrInvalidArgument}) {
		t.Errorf("add2(\"two\", 3): %v, want %s", err, wamp.ErrInvalidArgument)
	}
}
