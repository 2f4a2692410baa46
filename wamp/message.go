package wamp

import "strconv"

// Dict is a WAMP dictionary (Details, Options, keyword arguments).
type Dict = map[string]any

// List is a WAMP list (a message on the wire, positional arguments).
type List = []any

// MessageType is the code in the first element of every message.
type MessageType int

// Message type codes (WAMP spec, "Message Codes and Direction").
const (
	TypeHello        MessageType = 1
	TypeWelcome      MessageType = 2
	TypeAbort        MessageType = 3
	TypeChallenge    MessageType = 4
	TypeAuthenticate MessageType = 5
	TypeGoodbye      MessageType = 6
	TypeError        MessageType = 8
	TypePublish      MessageType = 16
	TypePublished    MessageType = 17
	TypeSubscribe    MessageType = 32
	TypeSubscribed   MessageType = 33
	TypeUnsubscribe  MessageType = 34
	TypeUnsubscribed MessageType = 35
	TypeEvent        MessageType = 36
	TypeCall         MessageType = 48
	TypeCancel       MessageType = 49
	TypeResult       MessageType = 50
	TypeRegister     MessageType = 64
	TypeRegistered   MessageType = 65
	TypeUnregister   MessageType = 66
	TypeUnregistered MessageType = 67
	TypeInvocation   MessageType = 68
	TypeInterrupt    MessageType = 69
	TypeYield        MessageType = 70
)

var typeNames = map[MessageType]string{
	TypeHello: "HELLO", TypeWelcome: "WELCOME", TypeAbort: "ABORT", TypeChallenge: "CHALLENGE",
	TypeAuthenticate: "AUTHENTICATE", TypeGoodbye: "GOODBYE", TypeError: "ERROR", TypePublish: "PUBLISH",
	TypePublished: "PUBLISHED", TypeSubscribe: "SUBSCRIBE", TypeSubscribed: "SUBSCRIBED",
	TypeUnsubscribe: "UNSUBSCRIBE", TypeUnsubscribed: "UNSUBSCRIBED", TypeEvent: "EVENT", TypeCall: "CALL",
	TypeCancel: "CANCEL", TypeResult: "RESULT", TypeRegister: "REGISTER", TypeRegistered: "REGISTERED",
	TypeUnregister: "UNREGISTER", TypeUnregistered: "UNREGISTERED", TypeInvocation: "INVOCATION",
	TypeInterrupt: "INTERRUPT", TypeYield: "YIELD",
}

// String returns the spec name of t, e.g. "CALL".
func (t MessageType) String() string {
	if n, ok := typeNames[t]; ok {
		return n
	}
	return "MessageType(" + strconv.Itoa(int(t)) + ")"
}

// Message is one WAMP message; the concrete types are the pointers
// *Hello … *Yield of this package.
type Message interface {
	Type() MessageType
}

// Hello opens a session.
//
//	[HELLO, Realm|uri, Details|dict]
type Hello struct {
	Realm   URI
	Details Dict
}

// Welcome accepts a session.
//
//	[WELCOME, Session|id, Details|dict]
type Welcome struct {
	Session ID
	Details Dict
}

// Abort refuses or ends a session before it was established.
//
//	[ABORT, Details|dict, Reason|uri]
type Abort struct {
	Details Dict
	Reason  URI
}

// Challenge asks the client to authenticate.
//
//	[CHALLENGE, AuthMethod|string, Extra|dict]
type Challenge struct {
	AuthMethod string
	Extra      Dict
}

// Authenticate answers a Challenge.
//
//	[AUTHENTICATE, Signature|string, Extra|dict]
type Authenticate struct {
	Signature string
	Extra     Dict
}

// Goodbye closes an established session.
//
//	[GOODBYE, Details|dict, Reason|uri]
type Goodbye struct {
	Details Dict
	Reason  URI
}

// Error answers a request with a failure.
//
//	[ERROR, REQUEST.Type|int, REQUEST.Request|id, Details|dict, Error|uri]
//	[ERROR, REQUEST.Type|int, REQUEST.Request|id, Details|dict, Error|uri, Arguments|list]
//	[ERROR, REQUEST.Type|int, REQUEST.Request|id, Details|dict, Error|uri, Arguments|list, ArgumentsKw|dict]
//	[ERROR, REQUEST.Type|int, REQUEST.Request|id, Details|dict, Error|uri, Payload|binary]
type Error struct {
	RequestType MessageType
	Request     ID
	Details     Dict
	Error       URI
	Args        List
	Kwargs      Dict
	Payload     []byte // payload passthru mode (Details.enc_algo set); excludes Args/Kwargs
}

// Publish publishes an event to a topic.
//
//	[PUBLISH, Request|id, Options|dict, Topic|uri]
//	[PUBLISH, Request|id, Options|dict, Topic|uri, Arguments|list]
//	[PUBLISH, Request|id, Options|dict, Topic|uri, Arguments|list, ArgumentsKw|dict]
//	[PUBLISH, Request|id, Options|dict, Topic|uri, Payload|binary]
type Publish struct {
	Request ID
	Options Dict
	Topic   URI
	Args    List
	Kwargs  Dict
	Payload []byte
}

// Published acknowledges a Publish with Options.acknowledge.
//
//	[PUBLISHED, PUBLISH.Request|id, Publication|id]
type Published struct {
	Request     ID
	Publication ID
}

// Subscribe subscribes to a topic (or a topic pattern, Options.match).
//
//	[SUBSCRIBE, Request|id, Options|dict, Topic|uri]
type Subscribe struct {
	Request ID
	Options Dict
	Topic   URI
}

// Subscribed acknowledges a Subscribe.
//
//	[SUBSCRIBED, SUBSCRIBE.Request|id, Subscription|id]
type Subscribed struct {
	Request      ID
	Subscription ID
}

// Unsubscribe ends a subscription.
//
//	[UNSUBSCRIBE, Request|id, SUBSCRIBED.Subscription|id]
type Unsubscribe struct {
	Request      ID
	Subscription ID
}

// Unsubscribed acknowledges an Unsubscribe. A router revoking a subscription
// sends Request 0 with Details (subscription, reason).
//
//	[UNSUBSCRIBED, UNSUBSCRIBE.Request|id]
//	[UNSUBSCRIBED, UNSUBSCRIBE.Request|id, Details|dict]
type Unsubscribed struct {
	Request ID
	Details Dict
}

// Event delivers a publication to a subscriber.
//
//	[EVENT, SUBSCRIBED.Subscription|id, PUBLISHED.Publication|id, Details|dict]
//	[EVENT, SUBSCRIBED.Subscription|id, PUBLISHED.Publication|id, Details|dict, PUBLISH.Arguments|list]
//	[EVENT, SUBSCRIBED.Subscription|id, PUBLISHED.Publication|id, Details|dict, PUBLISH.Arguments|list, PUBLISH.ArgumentsKw|dict]
//	[EVENT, SUBSCRIBED.Subscription|id, PUBLISHED.Publication|id, Details|dict, PUBLISH.Payload|binary]
type Event struct {
	Subscription ID
	Publication  ID
	Details      Dict
	Args         List
	Kwargs       Dict
	Payload      []byte
}

// Call calls a procedure.
//
//	[CALL, Request|id, Options|dict, Procedure|uri]
//	[CALL, Request|id, Options|dict, Procedure|uri, Arguments|list]
//	[CALL, Request|id, Options|dict, Procedure|uri, Arguments|list, ArgumentsKw|dict]
//	[CALL, Request|id, Options|dict, Procedure|uri, Payload|binary]
type Call struct {
	Request   ID
	Options   Dict
	Procedure URI
	Args      List
	Kwargs    Dict
	Payload   []byte
}

// Cancel asks the dealer to cancel a pending call (Options.mode: skip, kill,
// killnowait).
//
//	[CANCEL, CALL.Request|id, Options|dict]
type Cancel struct {
	Request ID
	Options Dict
}

// Result returns the (possibly progressive, Details.progress) result of a call.
//
//	[RESULT, CALL.Request|id, Details|dict]
//	[RESULT, CALL.Request|id, Details|dict, YIELD.Arguments|list]
//	[RESULT, CALL.Request|id, Details|dict, YIELD.Arguments|list, YIELD.ArgumentsKw|dict]
//	[RESULT, CALL.Request|id, Details|dict, YIELD.Payload|binary]
type Result struct {
	Request ID
	Details Dict
	Args    List
	Kwargs  Dict
	Payload []byte
}

// Register registers a procedure (or a pattern, Options.match).
//
//	[REGISTER, Request|id, Options|dict, Procedure|uri]
type Register struct {
	Request   ID
	Options   Dict
	Procedure URI
}

// Registered acknowledges a Register.
//
//	[REGISTERED, REGISTER.Request|id, Registration|id]
type Registered struct {
	Request      ID
	Registration ID
}

// Unregister removes a registration.
//
//	[UNREGISTER, Request|id, REGISTERED.Registration|id]
type Unregister struct {
	Request      ID
	Registration ID
}

// Unregistered acknowledges an Unregister. A router revoking a registration
// sends Request 0 with Details (registration, reason).
//
//	[UNREGISTERED, UNREGISTER.Request|id]
//	[UNREGISTERED, UNREGISTER.Request|id, Details|dict]
type Unregistered struct {
	Request ID
	Details Dict
}

// Invocation asks a callee to run a registered procedure.
//
//	[INVOCATION, Request|id, REGISTERED.Registration|id, Details|dict]
//	[INVOCATION, Request|id, REGISTERED.Registration|id, Details|dict, CALL.Arguments|list]
//	[INVOCATION, Request|id, REGISTERED.Registration|id, Details|dict, CALL.Arguments|list, CALL.ArgumentsKw|dict]
//	[INVOCATION, Request|id, REGISTERED.Registration|id, Details|dict, CALL.Payload|binary]
type Invocation struct {
	Request      ID
	Registration ID
	Details      Dict
	Args         List
	Kwargs       Dict
	Payload      []byte
}

// Interrupt asks a callee to stop an invocation (Options.mode, Options.reason).
//
//	[INTERRUPT, INVOCATION.Request|id, Options|dict]
type Interrupt struct {
	Request ID
	Options Dict
}

// Yield returns the (possibly progressive, Options.progress) result of an
// invocation.
//
//	[YIELD, INVOCATION.Request|id, Options|dict]
//	[YIELD, INVOCATION.Request|id, Options|dict, Arguments|list]
//	[YIELD, INVOCATION.Request|id, Options|dict, Arguments|list, ArgumentsKw|dict]
//	[YIELD, INVOCATION.Request|id, Options|dict, Payload|binary]
type Yield struct {
	Request ID
	Options Dict
	Args    List
	Kwargs  Dict
	Payload []byte
}

// Type returns TypeHello.
func (*Hello) Type() MessageType { return TypeHello }

// Type returns TypeWelcome.
func (*Welcome) Type() MessageType { return TypeWelcome }

// Type returns TypeAbort.
func (*Abort) Type() MessageType { return TypeAbort }

// Type returns TypeChallenge.
func (*Challenge) Type() MessageType { return TypeChallenge }

// Type returns TypeAuthenticate.
func (*Authenticate) Type() MessageType { return TypeAuthenticate }

// Type returns TypeGoodbye.
func (*Goodbye) Type() MessageType { return TypeGoodbye }

// Type returns TypeError.
func (*Error) Type() MessageType { return TypeError }

// Type returns TypePublish.
func (*Publish) Type() MessageType { return TypePublish }

// Type returns TypePublished.
func (*Published) Type() MessageType { return TypePublished }

// Type returns TypeSubscribe.
func (*Subscribe) Type() MessageType { return TypeSubscribe }

// Type returns TypeSubscribed.
func (*Subscribed) Type() MessageType { return TypeSubscribed }

// Type returns TypeUnsubscribe.
func (*Unsubscribe) Type() MessageType { return TypeUnsubscribe }

// Type returns TypeUnsubscribed.
func (*Unsubscribed) Type() MessageType { return TypeUnsubscribed }

// Type returns TypeEvent.
func (*Event) Type() MessageType { return TypeEvent }

// Type returns TypeCall.
func (*Call) Type() MessageType { return TypeCall }

// Type returns TypeCancel.
func (*Cancel) Type() MessageType { return TypeCancel }

// Type returns TypeResult.
func (*Result) Type() MessageType { return TypeResult }

// Type returns TypeRegister.
func (*Register) Type() MessageType { return TypeRegister }

// Type returns TypeRegistered.
func (*Registered) Type() MessageType { return TypeRegistered }

// Type returns TypeUnregister.
func (*Unregister) Type() MessageType { return TypeUnregister }

// Type returns TypeUnregistered.
func (*Unregistered) Type() MessageType { return TypeUnregistered }

// Type returns TypeInvocation.
func (*Invocation) Type() MessageType { return TypeInvocation }

// Type returns TypeInterrupt.
func (*Interrupt) Type() MessageType { return TypeInterrupt }

// Type returns TypeYield.
func (*Yield) Type() MessageType { return TypeYield }
