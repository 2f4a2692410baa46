package client_test

import (
	"context"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"sync"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
)

// memTransport is one end of an in-memory transport; every message goes
// through the JSON serializer so that the test sees what a wire would.
type memTransport struct {
	in, out   chan []byte
	closeOnce *sync.Once
	closed    chan struct{}
}

func memPair() (*memTransport, *memTransport) {
	a2b, b2a := make(chan []byte, 64), make(chan []byte, 64)
	once, closed := &sync.Once{}, make(chan struct{})
	return &memTransport{in: b2a, out: a2b, closeOnce: once, closed: closed},
		&memTransport{in: a2b, out: b2a, closeOnce: once, closed: closed}
}

func (t *memTransport) Send(ctx context.Context, m wamp.Message) error {
	b, err := json.Serializer{}.AppendMessage(nil, m)
	if err != nil {
		return err
	}
	select {
	case t.out <- b:
		return nil
	case <-t.closed:
		return errors.New("closed")
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (t *memTransport) Recv(ctx context.Context) (wamp.Message, error) {
	select {
	case b := <-t.in:
		return json.Serializer{}.Unmarshal(b)
	case <-t.closed:
		return nil, errors.New("closed")
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (t *memTransport) Close() error {
	t.closeOnce.Do(func() { close(t.closed) })
	return nil
}

// fakeRouter serves one session: it is dealer and broker for that session
// alone (it calls and invokes itself), enough to drive every client path.
type fakeRouter struct {
	t         wamp.Transport
	ticket    string
	craSecret string
	pubkey    ed25519.PublicKey
	challenge string
	scramPass string // WAMP-SCRAM with PBKDF2 when set
	scramMsg  string
	// scramCBind returns the router's channel binding data of a type, from
	// its side of the connection; nil refuses channel binding.
	scramCBind func(typ string) []byte
	scramCB    map[string]string // expected AUTHENTICATE.Extra with a binding
	badServer  bool              // send a wrong scram_server_signature

	regs      map[wamp.ID]wamp.URI
	subs      map[wamp.ID]wamp.URI
	calls     map[wamp.ID]wamp.ID // invocation request -> call request
	byCall    map[wamp.ID]wamp.ID // call request -> invocation request
	next      wamp.ID
	lastHello *wamp.Hello
	log       []wamp.Message
	mu        sync.Mutex
}

func (r *fakeRouter) id() wamp.ID { r.next++; return r.next }

func (r *fakeRouter) send(m wamp.Message) { r.t.Send(context.Background(), m) }

func (r *fakeRouter) seen() []wamp.Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]wamp.Message(nil), r.log...)
}

func (r *fakeRouter) serve() {
	r.regs, r.subs, r.calls, r.byCall = map[wamp.ID]wamp.URI{}, map[wamp.ID]wamp.URI{}, map[wamp.ID]wamp.ID{}, map[wamp.ID]wamp.ID{}
	for {
		m, err := r.t.Recv(context.Background())
		if err != nil {
			return
		}
		r.mu.Lock()
		r.log = append(r.log, m)
		r.mu.Unlock()
		switch m := m.(type) {
		case *wamp.Hello:
			r.lastHello = m
			methods, _ := m.Details["authmethods"].([]any)
			if len(methods) == 0 {
				r.send(&wamp.Welcome{Session: 42, Details: wamp.Dict{"authmethod": "anonymous", "roles": routerRoles}})
				continue
			}
			switch methods[0] {
			case "ticket":
				r.send(&wamp.Challenge{AuthMethod: "ticket", Extra: wamp.Dict{}})
			case "wampcra":
				r.challenge = `{"nonce":"abc","authid":"joe"}`
				r.send(&wamp.Challenge{AuthMethod: "wampcra", Extra: wamp.Dict{"challenge": r.challenge}})
			case "scram":
				extra := m.Details["authextra"].(map[string]any)
				cn := extra["nonce"].(string)
				sn := cn + "srv"
				ch := wamp.Dict{"nonce": sn, "salt": "c2FsdA==", "kdf": "pbkdf2", "iterations": int64(4096)}
				cbind := ""
				r.scramCB = nil
				if typ, ok := extra["channel_binding"].(string); ok {
					if r.scramCBind == nil {
						r.send(&wamp.Abort{Details: wamp.Dict{}, Reason: wamp.ErrAuthenticationFailed})
						continue
					}
					// WAMP spec: c=base64("p=" + type + ",," + data).
					data := r.scramCBind(typ)
					cbind = base64.StdEncoding.EncodeToString(append([]byte("p="+typ+",,"), data...))
					r.scramCB = map[string]string{"nonce": sn, "channel_binding": typ, "cbind_data": base64.StdEncoding.EncodeToString(data)}
					ch["channel_binding"] = typ
				}
				r.scramMsg = "n=" + m.Details["authid"].(string) + ",r=" + cn + ",r=" + sn + ",s=c2FsdA==,i=4096,c=" + cbind + ",r=" + sn
				r.send(&wamp.Challenge{AuthMethod: "scram", Extra: ch})
			case "cryptosign":
				extra := m.Details["authextra"].(map[string]any)
				pk, _ := hex.DecodeString(extra["pubkey"].(string))
				r.pubkey = pk
				r.challenge = hex.EncodeToString(make([]byte, 32))
				r.send(&wamp.Challenge{AuthMethod: "cryptosign", Extra: wamp.Dict{"challenge": r.challenge}})
			default:
				r.send(&wamp.Abort{Details: wamp.Dict{}, Reason: wamp.ErrNoAuthMethod})
			}
		case *wamp.Authenticate:
			ok := false
			var welcome wamp.Dict
			switch {
			case r.scramPass != "":
				// RFC 5802 server side: recover ClientKey from the proof.
				salted, _ := pbkdf2.Key(sha256.New, r.scramPass, []byte("c2FsdA=="), 4096, 32)
				ck := hmacSum(salted, "Client Key")
				sk := sha256.Sum256(ck)
				proof, _ := base64.StdEncoding.DecodeString(m.Signature)
				sig := hmacSum(sk[:], r.scramMsg)
				if len(proof) == len(sig) {
					subtle.XORBytes(proof, proof, sig)
					got := sha256.Sum256(proof)
					ok = got == sk
				}
				if r.scramCB != nil && len(m.Extra) != len(r.scramCB) {
					ok = false
				}
				for k, v := range r.scramCB {
					if s, _ := m.Extra[k].(string); s != v {
						ok = false // another channel, or the binding was dropped
					}
				}
				srv := base64.StdEncoding.EncodeToString(hmacSum(hmacSum(salted, "Server Key"), r.scramMsg))
				if r.badServer {
					srv = "AAAA"
				}
				welcome = wamp.Dict{"authextra": wamp.Dict{"scram_server_signature": srv}}
			case r.ticket != "":
				ok = m.Signature == r.ticket
			case r.craSecret != "":
				ok = m.Signature == client.SignCRA([]byte(r.craSecret), r.challenge)
			case r.pubkey != nil:
				sig, _ := hex.DecodeString(m.Signature)
				ok = len(sig) == 96 && ed25519.Verify(r.pubkey, sig[64:], sig[:64]) && hex.EncodeToString(sig[64:]) == r.challenge
			}
			if ok {
				if welcome == nil {
					welcome = wamp.Dict{}
				}
				welcome["roles"] = routerRoles
				r.send(&wamp.Welcome{Session: 42, Details: welcome})
			} else {
				r.send(&wamp.Abort{Details: wamp.Dict{}, Reason: wamp.ErrAuthenticationFailed})
			}
		case *wamp.Register:
			id := r.id()
			r.regs[id] = m.Procedure
			r.send(&wamp.Registered{Request: m.Request, Registration: id})
		case *wamp.Unregister:
			delete(r.regs, m.Registration)
			r.send(&wamp.Unregistered{Request: m.Request})
		case *wamp.Call:
			var reg wamp.ID
			for id, p := range r.regs {
				if p == m.Procedure {
					reg = id
				}
			}
			if reg == 0 {
				r.send(&wamp.Error{RequestType: wamp.TypeCall, Request: m.Request, Details: wamp.Dict{}, Error: wamp.ErrNoSuchProcedure})
				continue
			}
			inv := r.id()
			r.calls[inv], r.byCall[m.Request] = m.Request, inv
			details := wamp.Dict{"caller": int64(42)}
			if m.Options["receive_progress"] == true {
				details["receive_progress"] = true
			}
			r.send(&wamp.Invocation{Request: inv, Registration: reg, Details: details, Args: m.Args, Kwargs: m.Kwargs})
		case *wamp.Yield:
			details := wamp.Dict{}
			progress := m.Options["progress"] == true
			if progress {
				details["progress"] = true
			}
			r.send(&wamp.Result{Request: r.calls[m.Request], Details: details, Args: m.Args, Kwargs: m.Kwargs})
			if !progress {
				delete(r.calls, m.Request)
			}
		case *wamp.Error:
			if call, ok := r.calls[m.Request]; ok {
				delete(r.calls, m.Request)
				r.send(&wamp.Error{RequestType: wamp.TypeCall, Request: call, Details: wamp.Dict{}, Error: m.Error, Args: m.Args})
			}
		case *wamp.Cancel:
			if inv, ok := r.byCall[m.Request]; ok {
				r.send(&wamp.Interrupt{Request: inv, Options: m.Options})
			}
		case *wamp.Subscribe:
			id := r.id()
			r.subs[id] = m.Topic
			r.send(&wamp.Subscribed{Request: m.Request, Subscription: id})
		case *wamp.Unsubscribe:
			delete(r.subs, m.Subscription)
			r.send(&wamp.Unsubscribed{Request: m.Request})
		case *wamp.Publish:
			pub := r.id()
			if m.Options["exclude_me"] == false {
				for id, topic := range r.subs {
					if topic == m.Topic {
						r.send(&wamp.Event{Subscription: id, Publication: pub, Details: wamp.Dict{}, Args: m.Args, Kwargs: m.Kwargs})
					}
				}
			}
			if m.Options["acknowledge"] == true {
				r.send(&wamp.Published{Request: m.Request, Publication: pub})
			}
		case *wamp.Goodbye:
			r.send(&wamp.Goodbye{Details: wamp.Dict{}, Reason: wamp.ErrGoodbyeAndOut})
			r.t.Close()
			return
		}
	}
}

func hmacSum(key []byte, msg string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}

var routerRoles = wamp.Dict{"broker": wamp.Dict{}, "dealer": wamp.Dict{}}
