package router_test

import (
	"fmt"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/eventloop"
	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/router"
	"github.com/autobahn-go/autobahn/wamp/serialize/cbor"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
	"github.com/autobahn-go/autobahn/wamp/serialize/msgpack"
	"github.com/autobahn-go/autobahn/wamp/transport/rawsocket"
	"github.com/autobahn-go/autobahn/wamp/transport/websocket"
)

// metaEvent is an event of a meta topic (or a testament's topic).
type metaEvent struct {
	topic   string
	args    wamp.List
	kwargs  wamp.Dict
	details wamp.Dict
}

// about returns the session the event is about.
func (e metaEvent) about() wamp.ID {
	if len(e.args) == 0 {
		return 0
	}
	if d, ok := e.args[0].(wamp.Dict); ok { // on_join
		id, _ := wamp.AsID(d["session"])
		return id
	}
	id, _ := wamp.AsID(e.args[0])
	return id
}

// String is the event's topic's last component and its second argument
// (on_join: none), enough to compare sequences.
func (e metaEvent) String() string {
	name := e.topic[strings.LastIndexByte(e.topic, '.')+1:]
	if strings.HasPrefix(e.topic, "wamp.") && len(e.args) == 2 {
		if id, ok := wamp.AsID(e.args[1]); ok {
			return fmt.Sprintf("%s(%d)", name, id)
		}
		return name + "(details)"
	}
	if !strings.HasPrefix(e.topic, "wamp.") {
		return fmt.Sprintf("%s%v", name, e.args)
	}
	return name
}

// watchMeta subscribes s to every topic under the prefixes and returns
// the events, in order, on one channel.
func watchMeta(t *testing.T, s *client.Session, prefixes ...wamp.URI) chan metaEvent {
	t.Helper()
	ch := make(chan metaEvent, 1024)
	for _, p := range prefixes {
		if _, err := s.Subscribe(ctxT(t), p, func(e *wamp.Event) {
			topic, _ := e.Details["topic"].(string)
			ch <- metaEvent{topic: topic, args: e.Args, kwargs: e.Kwargs, details: e.Details}
		}, &client.SubscribeOptions{Match: wamp.MatchPrefix}); err != nil {
			t.Fatal(err)
		}
	}
	return ch
}

// expectEvents reads events about the sessions in ids (and testament
// events, which are about nobody) until it has len(want), and compares.
func expectEvents(t *testing.T, ch chan metaEvent, ids []wamp.ID, want ...string) []metaEvent {
	t.Helper()
	var got []metaEvent
	var names []string
	for len(got) < len(want) {
		select {
		case e := <-ch:
			if a := e.about(); a != 0 && !contains(ids, a) && strings.HasPrefix(e.topic, "wamp.") {
				continue
			}
			got = append(got, e)
			names = append(names, e.String())
		case <-time.After(10 * time.Second):
			t.Fatalf("events %v, want %v", names, want)
		}
	}
	if strings.Join(names, " ") != strings.Join(want, " ") {
		t.Fatalf("events\n %v\nwant\n %v", names, want)
	}
	return got
}

func contains(ids []wamp.ID, id wamp.ID) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// rawRequestReply sends m and returns the next message.
func (c *raw) request(m wamp.Message) wamp.Message {
	c.t.Helper()
	c.send(m)
	return c.recv()
}

// rawSetup registers, subscribes and leaves two testaments (destroyed
// first, then detached) as a raw client; it returns the registration and
// subscription IDs.
func rawSetup(t *testing.T, c *raw, proc, topic wamp.URI) (wamp.ID, wamp.ID) {
	t.Helper()
	reg, ok := c.request(&wamp.Register{Request: 1, Options: wamp.Dict{}, Procedure: proc}).(*wamp.Registered)
	if !ok {
		t.Fatal("no REGISTERED")
	}
	sub, ok := c.request(&wamp.Subscribe{Request: 2, Options: wamp.Dict{}, Topic: topic}).(*wamp.Subscribed)
	if !ok {
		t.Fatal("no SUBSCRIBED")
	}
	for i, scope := range []string{"destroyed", "detached"} {
		m := c.request(&wamp.Call{Request: wamp.ID(3 + i), Options: wamp.Dict{}, Procedure: "wamp.session.add_testament",
			Args: wamp.List{"com.example.will", wamp.List{scope}, wamp.Dict{"k": scope}}, Kwargs: wamp.Dict{"scope": scope}})
		if _, ok := m.(*wamp.Result); !ok {
			t.Fatalf("add_testament: %v", m)
		}
	}
	return reg.Registration, sub.Subscription
}

// However a session ends, its subscriptions and registrations go first
// (with their meta events, in the spec's order), then its testaments
// (detached before destroyed), then on_leave.
func TestMetaEventsOnLeave(t *testing.T) {
	r := newRouter(t, nil)
	obs := join(t, r)
	ch := watchMeta(t, obs, "wamp.session", "wamp.registration", "wamp.subscription", "com.example.will")
	ways := map[string]func(c *raw, id wamp.ID){
		"goodbye": func(c *raw, _ wamp.ID) {
			if g, ok := c.request(&wamp.Goodbye{Details: wamp.Dict{}, Reason: wamp.ErrCloseRealm}).(*wamp.Goodbye); !ok || g.Reason != wamp.ErrGoodbyeAndOut {
				t.Fatalf("GOODBYE answered with %v", g)
			}
		},
		"abort": func(c *raw, _ wamp.ID) { c.send(&wamp.Abort{Details: wamp.Dict{}, Reason: "com.example.abort"}) },
		"close": func(c *raw, _ wamp.ID) { c.tr.Close() },
		"kill": func(c *raw, id wamp.ID) {
			metaCall(t, obs, "wamp.session.kill", wamp.List{id}, nil)
			if g, ok := c.recv().(*wamp.Goodbye); !ok || g.Reason != wamp.ErrCloseNormal {
				t.Fatalf("killed session got %v", g)
			}
			c.send(&wamp.Goodbye{Details: wamp.Dict{}, Reason: wamp.ErrGoodbyeAndOut})
		},
	}
	for name, leave := range ways {
		t.Run(name, func(t *testing.T) {
			c := rawConn(t, r)
			id := c.join()
			reg, sub := rawSetup(t, c, wamp.URI("com.example.p."+name), wamp.URI("com.example.t."+name))
			ids := []wamp.ID{id}
			got := expectEvents(t, ch, ids, "on_join",
				"on_create(details)", fmt.Sprintf("on_register(%d)", reg),
				"on_create(details)", fmt.Sprintf("on_subscribe(%d)", sub))
			if d := got[1].args[1].(wamp.Dict); d["uri"] != "com.example.p."+name || d["match"] != "exact" || d["invoke"] != "single" {
				t.Fatalf("registration on_create details %v", d)
			}
			if d := got[3].args[1].(wamp.Dict); d["uri"] != "com.example.t."+name || d["match"] != "exact" {
				t.Fatalf("subscription on_create details %v", d)
			}
			leave(c, id)
			got = expectEvents(t, ch, ids,
				fmt.Sprintf("on_unsubscribe(%d)", sub), fmt.Sprintf("on_delete(%d)", sub),
				fmt.Sprintf("on_unregister(%d)", reg), fmt.Sprintf("on_delete(%d)", reg),
				"will[detached]", "will[destroyed]", "on_leave")
			if got[3].topic != "wamp.registration.on_delete" || got[1].topic != "wamp.subscription.on_delete" {
				t.Fatalf("on_delete topics %s, %s", got[1].topic, got[3].topic)
			}
			if got[5].kwargs["k"] != "destroyed" {
				t.Fatalf("testament kwargs %v", got[5].kwargs)
			}
			if l := got[6].args; len(l) != 3 || l[2] != "anonymous" {
				t.Fatalf("on_leave args %v", l)
			}
		})
	}
}

// A second callee or subscriber only adds itself (on_register, on_subscribe);
// on_delete comes with the last one's going.
func TestMetaEventsShared(t *testing.T) {
	r := newRouter(t, nil)
	obs := join(t, r)
	ch := watchMeta(t, obs, "wamp.registration", "wamp.subscription")
	a, b := join(t, r), join(t, r)
	ids := []wamp.ID{a.ID(), b.ID()}
	opts := &client.RegisterOptions{Invoke: "roundrobin"}
	ra := register(t, a, "com.example.shared", echo, opts)
	rb := register(t, b, "com.example.shared", echo, opts)
	sa, _ := subscribe(t, a, "com.example.topic", nil)
	sb, _ := subscribe(t, b, "com.example.topic", nil)
	expectEvents(t, ch, ids, "on_create(details)", fmt.Sprintf("on_register(%d)", ra.ID), fmt.Sprintf("on_register(%d)", rb.ID),
		"on_create(details)", fmt.Sprintf("on_subscribe(%d)", sa.ID), fmt.Sprintf("on_subscribe(%d)", sb.ID))
	if err := a.Unregister(ctxT(t), ra); err != nil {
		t.Fatal(err)
	}
	if err := a.Unsubscribe(ctxT(t), sa); err != nil {
		t.Fatal(err)
	}
	if err := b.Unregister(ctxT(t), rb); err != nil {
		t.Fatal(err)
	}
	if err := b.Unsubscribe(ctxT(t), sb); err != nil {
		t.Fatal(err)
	}
	got := expectEvents(t, ch, ids, fmt.Sprintf("on_unregister(%d)", ra.ID), fmt.Sprintf("on_unsubscribe(%d)", sa.ID),
		fmt.Sprintf("on_unregister(%d)", rb.ID), fmt.Sprintf("on_delete(%d)", rb.ID),
		fmt.Sprintf("on_unsubscribe(%d)", sb.ID), fmt.Sprintf("on_delete(%d)", sb.ID))
	if got[3].about() != b.ID() || got[5].about() != b.ID() {
		t.Fatal("on_delete not about the last session")
	}
}

// A testament is published when the transport drops without a word: a
// WebSocket whose TCP connection is closed under it. wamp.session.get
// describes the WebSocket transport.
func TestMetaTestamentAbruptWebSocketClose(t *testing.T) {
	r := newRouter(t, nil)
	obs := join(t, r)
	ch := watchMeta(t, obs, "wamp.session", "com.example.will")
	conn, err := websocket.Dial(ctxT(t), serveWebSocket(t, r), websocket.Options{Serializers: []wamp.Serializer{json.Serializer{}}})
	if err != nil {
		t.Fatal(err)
	}
	c := &raw{t: t, tr: conn}
	t.Cleanup(func() { conn.Close() })
	id := c.join()
	m := c.request(&wamp.Call{Request: 1, Options: wamp.Dict{}, Procedure: "wamp.session.add_testament",
		Args:   wamp.List{"com.example.will", wamp.List{"gone", 1}, wamp.Dict{"who": "ws"}},
		Kwargs: wamp.Dict{"publish_options": wamp.Dict{"acknowledge": true}}})
	if _, ok := m.(*wamp.Result); !ok {
		t.Fatalf("add_testament: %v", m)
	}
	// A flushed testament is not published.
	c.request(&wamp.Call{Request: 2, Options: wamp.Dict{}, Procedure: "wamp.session.add_testament",
		Args: wamp.List{"com.example.will", wamp.List{"flushed"}}, Kwargs: wamp.Dict{"scope": "detached"}})
	if _, ok := c.request(&wamp.Call{Request: 3, Options: wamp.Dict{}, Procedure: "wamp.session.flush_testaments",
		Kwargs: wamp.Dict{"scope": "detached"}}).(*wamp.Result); !ok {
		t.Fatal("flush_testaments failed")
	}
	expectEvents(t, ch, []wamp.ID{id}, "on_join")

	d, _ := result0(t, metaCall(t, obs, "wamp.session.get", wamp.List{id}, nil)).(wamp.Dict)
	tr, _ := d["transport"].(wamp.Dict)
	if peer, _ := tr["peer"].(string); tr["type"] != "websocket" || tr["protocol"] != "wamp.2.json" ||
		!strings.HasPrefix(peer, "tcp4:127.0.0.1:") || tr["is_secure"] != false {
		t.Fatalf("transport details %v", tr)
	}

	conn.WS().NetConn().Close() // no close frame, no GOODBYE
	got := expectEvents(t, ch, []wamp.ID{id}, "will[gone 1]", "on_leave")
	if got[0].kwargs["who"] != "ws" {
		t.Fatalf("testament kwargs %v", got[0].kwargs)
	}
}

func TestMetaTestamentArguments(t *testing.T) {
	r := newRouter(t, nil)
	s := join(t, r)
	for _, c := range []struct {
		args   wamp.List
		kwargs wamp.Dict
		uri    wamp.URI
	}{
		{nil, nil, wamp.ErrInvalidArgument},
		{wamp.List{"bad topic"}, nil, wamp.ErrInvalidURI},
		{wamp.List{"com.example.t", "not a list"}, nil, wamp.ErrInvalidArgument},
		{wamp.List{"com.example.t", nil, "not a dict"}, nil, wamp.ErrInvalidArgument},
		{wamp.List{"com.example.t"}, wamp.Dict{"scope": "forever"}, wamp.ErrInvalidArgument},
		{wamp.List{"com.example.t"}, wamp.Dict{"publish_options": 3}, wamp.ErrInvalidArgument},
	} {
		metaRefused(t, s, "wamp.session.add_testament", c.args, c.kwargs, c.uri)
	}
	metaRefused(t, s, "wamp.session.flush_testaments", nil, wamp.Dict{"scope": 1}, wamp.ErrInvalidArgument)
	for i := range 64 {
		metaCall(t, s, "wamp.session.add_testament", wamp.List{"com.example.t", wamp.List{i}}, nil)
	}
	metaRefused(t, s, "wamp.session.add_testament", wamp.List{"com.example.t"}, nil, wamp.ErrInvalidArgument)
	metaCall(t, s, "wamp.session.flush_testaments", nil, nil)
	metaCall(t, s, "wamp.session.add_testament", wamp.List{"com.example.t"}, nil)
}

// On the event loop (LoopHandler) and over RawSocket too: the transport
// details, and the testament and on_leave of a session whose TCP
// connection drops.
func TestMetaTransportsAbruptClose(t *testing.T) {
	r := newRouter(t, nil)
	obs := join(t, r)
	ch := watchMeta(t, obs, "wamp.session", "com.example.will")
	loopURL := serveLoop(t, r, eventloop.Config{Loops: 1})
	rsAddr := serveRawSocket(t, r)
	cases := []struct {
		name, typ, protocol string
		dial                func() (wamp.Transport, net.Conn)
	}{
		{"loop", "websocket", "wamp.2.cbor", func() (wamp.Transport, net.Conn) {
			c := dialRaw(t, loopURL, cbor.Serializer{}, 0)
			return c, c.WS().NetConn()
		}},
		{"rawsocket", "rawsocket", "msgpack", func() (wamp.Transport, net.Conn) {
			c, err := rawsocket.Dial(ctxT(t), "tcp", rsAddr, rawsocket.Options{Serializer: msgpack.Serializer{}})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { c.Close() })
			return c, c.NetConn()
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tr, nc := tc.dial()
			c := &raw{t: t, tr: tr}
			id := c.join()
			if _, ok := c.request(&wamp.Call{Request: 1, Options: wamp.Dict{}, Procedure: "wamp.session.add_testament",
				Args: wamp.List{"com.example.will", wamp.List{tc.name}}}).(*wamp.Result); !ok {
				t.Fatal("add_testament failed")
			}
			expectEvents(t, ch, []wamp.ID{id}, "on_join")
			d, _ := result0(t, metaCall(t, obs, "wamp.session.get", wamp.List{id}, nil)).(wamp.Dict)
			tdet, _ := d["transport"].(wamp.Dict)
			if peer, _ := tdet["peer"].(string); tdet["type"] != tc.typ || tdet["protocol"] != tc.protocol ||
				!strings.HasPrefix(peer, "tcp4:127.0.0.1:") || peer != "tcp4:"+nc.LocalAddr().String() {
				t.Fatalf("transport details %v (client at %v)", tdet, nc.LocalAddr())
			}
			nc.Close()
			expectEvents(t, ch, []wamp.ID{id}, "will["+tc.name+"]", "on_leave")
		})
	}
}

// A testament is authorized as a PUBLISH when it is added: static
// permissions decide (and may force disclosure); a role with an
// Authorizer needs a cached decision.
func TestMetaTestamentAuthorization(t *testing.T) {
	var cacheIt atomic.Bool
	r := newRouter(t, func(c *router.Config) {
		c.Realms[0].Roles = []router.RoleConfig{
			{Name: "anonymous", Permissions: []router.Permission{
				{URI: "", Match: wamp.MatchPrefix, Allow: router.Allow{Call: true, Subscribe: true}},
				{URI: "com.example.will", Allow: router.Allow{Publish: true, Subscribe: true}, Disclose: router.Disclose{Publisher: true}},
			}},
			{Name: "dynamic", Authorizer: router.AuthorizerFunc(func(*router.AuthorizeRequest) (router.Decision, error) {
				return router.Decision{Allow: true, Cache: cacheIt.Load()}, nil
			})},
		}
		c.Realms[0].Tickets = map[string]router.TicketPrincipal{"dyn": {Ticket: "d", Role: "dynamic"}}
	})
	obs := join(t, r)
	ch := watchMeta(t, obs, "com.example.will")
	s := join(t, r)
	metaRefused(t, s, "wamp.session.add_testament", wamp.List{"com.example.other"}, nil, wamp.ErrNotAuthorized)
	metaCall(t, s, "wamp.session.add_testament", wamp.List{"com.example.will", wamp.List{"static"}}, nil)
	s.Close()
	got := expectEvents(t, ch, nil, "will[static]")
	if id, _ := wamp.AsID(got[0].details["publisher"]); id != s.ID() {
		t.Fatalf("testament EVENT.Details %v: the permission forces disclosure of %d", got[0].details, s.ID())
	}

	dyn := joinTicket(t, r, "dyn", "d")
	metaRefused(t, dyn, "wamp.session.add_testament", wamp.List{"com.example.will"}, nil, wamp.ErrNotAuthorized)
	cacheIt.Store(true)
	publish(t, dyn, "com.example.will", wamp.List{"cached"}, nil)
	expectEvents(t, ch, nil, "will[cached]")
	metaCall(t, dyn, "wamp.session.add_testament", wamp.List{"com.example.will", wamp.List{"dynamic"}}, nil)
	dyn.Close()
	expectEvents(t, ch, nil, "will[dynamic]")
}
