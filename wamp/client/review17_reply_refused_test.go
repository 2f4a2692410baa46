package client_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
	"github.com/autobahn-go/autobahn/wamp/transport/rawsocket"
	"github.com/autobahn-go/autobahn/wamp/transport/websocket"
)

// A handler's answer the callee's transport refuses (it sends nothing):
// a value its serialization has no form for (a string that is not UTF-8
// or a Go struct, for JSON), or one larger than the router takes. The
// session logged a warning and sent nothing: the caller waited for its
// own timeout. It answers the invocation with ERROR now, and goes on.

// review17Call calls proc and returns the ERROR URI it got ("" for a
// RESULT) and the error's text. The wait is short: before the fix no
// answer came at all.
func review17Call(t *testing.T, caller *client.Session, proc wamp.URI, opts *client.CallOptions) (wamp.URI, *client.Result, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	res, err := caller.Call(ctx, proc, nil, nil, opts)
	if err == nil {
		return "", res, ""
	}
	var we *client.Error
	if !errors.As(err, &we) {
		t.Fatalf("call %s: %v, want an ERROR from the callee's session", proc, err)
	}
	return we.URI, nil, we.Error()
}

func TestReview17UnencodableReplyAnswered(t *testing.T) {
	r := inProcessRouter(t)
	url := review15bRouter(t, r, websocket.Options{Serializers: []wamp.Serializer{json.Serializer{}}}, false)
	callee, err := client.Connect(ctxT(t), url, "realm1", client.ConnectOptions{Serializers: []wamp.Serializer{json.Serializer{}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { callee.Close() })
	caller := joinRouter(t, r)

	type notJSON struct{ X int }
	replies := map[wamp.URI]func() (*client.Result, error){
		"r17.yield.utf8":   func() (*client.Result, error) { return &client.Result{Args: wamp.List{"a\xffb"}}, nil },
		"r17.yield.struct": func() (*client.Result, error) { return &client.Result{Kwargs: wamp.Dict{"v": notJSON{1}}}, nil },
		"r17.error.utf8": func() (*client.Result, error) {
			return nil, &client.Error{URI: "app.error", Args: wamp.List{"bad \xc3"}}
		},
		"r17.error.runtime": func() (*client.Result, error) { return nil, errors.New("input \xff rejected") },
		"r17.ok":            func() (*client.Result, error) { return &client.Result{Args: wamp.List{"é"}}, nil },
	}
	for proc, reply := range replies {
		if _, err := callee.Register(ctxT(t), proc, func(context.Context, *client.Invocation) (*client.Result, error) {
			return reply()
		}, nil); err != nil {
			t.Fatal(err)
		}
	}
	for proc := range replies {
		uri, res, text := review17Call(t, caller, proc, nil)
		switch proc {
		case "r17.ok":
			if uri != "" || res.Args[0] != "é" {
				t.Errorf("%s: got %q %v", proc, uri, res)
			}
		case "r17.error.runtime":
			// A plain error's text is the session's to send: its
			// bytes that are not UTF-8 are replaced.
			if uri != "wamp.error.runtime_error" || !strings.Contains(text, "input \uFFFD rejected") {
				t.Errorf("%s: got %q %q, want wamp.error.runtime_error", proc, uri, text)
			}
		default:
			if uri != wamp.ErrInvalidArgument || !strings.Contains(text, "cannot be encoded") {
				t.Errorf("%s: got %q %q, want %s", proc, uri, text, wamp.ErrInvalidArgument)
			}
		}
	}
	if err := callee.Err(); err != nil {
		t.Fatalf("callee session ended: %v", err)
	}
}

// A progressive result the transport refuses ends the call with that
// ERROR (the caller must not get a stream with a part missing); the
// handler's ctx is canceled and its return is not sent.
func TestReview17UnencodableProgressAnswered(t *testing.T) {
	r := inProcessRouter(t)
	url := review15bRouter(t, r, websocket.Options{Serializers: []wamp.Serializer{json.Serializer{}}}, false)
	callee, err := client.Connect(ctxT(t), url, "realm1", client.ConnectOptions{Serializers: []wamp.Serializer{json.Serializer{}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { callee.Close() })
	caller := joinRouter(t, r)

	sendErr := make(chan error, 1)
	if _, err := callee.Register(ctxT(t), "r17.progress", func(ctx context.Context, inv *client.Invocation) (*client.Result, error) {
		if err := inv.SendProgress(ctx, wamp.List{"part 1"}, nil); err != nil {
			return nil, err
		}
		sendErr <- inv.SendProgress(ctx, wamp.List{"part \xff"}, nil)
		<-ctx.Done() // canceled: the call was answered
		return &client.Result{Args: wamp.List{"final"}}, nil
	}, nil); err != nil {
		t.Fatal(err)
	}
	var parts []any
	uri, res, _ := review17Call(t, caller, "r17.progress", &client.CallOptions{OnProgress: func(p *wamp.Result) { parts = append(parts, p.Args[0]) }})
	if uri != wamp.ErrInvalidArgument || len(parts) != 1 || parts[0] != "part 1" {
		t.Errorf("got %q %v, parts %q; want %s after part 1", uri, res, parts, wamp.ErrInvalidArgument)
	}
	if err := <-sendErr; !errors.Is(err, json.ErrUnsupportedType) {
		t.Errorf("SendProgress: %v, want the serializer's error", err)
	}
	// The session goes on, and nothing more of that call reaches the caller.
	if _, err := callee.Register(ctxT(t), "r17.after", func(context.Context, *client.Invocation) (*client.Result, error) {
		return &client.Result{Args: wamp.List{"after"}}, nil
	}, nil); err != nil {
		t.Fatal(err)
	}
	if uri, res, _ := review17Call(t, caller, "r17.after", nil); uri != "" || res.Args[0] != "after" {
		t.Errorf("got %q %v", uri, res)
	}
}

// A YIELD larger than a RawSocket router takes (its maximum message
// length) is answered with wamp.error.payload_size_exceeded.
func TestReview17TooLargeYieldAnswered(t *testing.T) {
	r := inProcessRouter(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			c, err := rawsocket.Accept(context.Background(), nc, rawsocket.ServerOptions{Serializers: []wamp.Serializer{json.Serializer{}}, MaxMessageLen: 4096})
			if err != nil {
				continue
			}
			r.Attach(c)
		}
	}()
	t.Cleanup(func() { ln.Close(); <-done })
	callee, err := client.Connect(ctxT(t), "rs://"+ln.Addr().String(), "realm1", client.ConnectOptions{Serializers: []wamp.Serializer{json.Serializer{}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { callee.Close() })
	caller := joinRouter(t, r)
	if _, err := callee.Register(ctxT(t), "r17.big", func(_ context.Context, inv *client.Invocation) (*client.Result, error) {
		n, _ := wamp.AsInt64(inv.Args[0])
		return &client.Result{Args: wamp.List{strings.Repeat("x", int(n))}}, nil
	}, nil); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	for _, n := range []int{8192, 100} {
		res, err := caller.Call(ctx, "r17.big", wamp.List{n}, nil, nil)
		var we *client.Error
		switch {
		case n > 4096 && (!errors.As(err, &we) || we.URI != wamp.ErrPayloadSizeExceeded):
			t.Errorf("%d bytes: %v, want %s", n, err, wamp.ErrPayloadSizeExceeded)
		case n <= 4096 && (err != nil || len(res.Args[0].(string)) != n):
			t.Errorf("%d bytes: %v", n, err)
		}
	}
}
