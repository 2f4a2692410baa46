"""WAMP peer on Autobahn|Python (asyncio or Twisted) for the router interop
tests in interop/wamp. One argument, a JSON object:

  flavor      "asyncio" (ApplicationRunner, WebSocket) or "twisted"
              (ApplicationRunner, WebSocket or RawSocket: rs://host:port)
  url, realm  where to join (wss:// with cafile, the router's certificate)
  serializer  json, msgpack, cbor or ubjson; batched: true for the
              batched WebSocket variant; uint64: false leaves 2^64-1 out
              of the payload
  mode        "core"   RPC and pub/sub between two sessions of this process
                       and the Go sessions of the test (go.echo, go.topic)
              "auth"   join once for each of auths [{name, method, authid,
                       secret}] (secret: ticket, CRA secret, Ed25519 seed
                       in hex, SCRAM password) and print the WELCOME
                       details or the ABORT reason as case "auth:<name>"
              "advanced" call timeout, authorization, retention, event
                       history, meta API, testament (realm "adv")
              "caller" call proc with the payload (js_ints: true keeps
                       integers within ±2^53) and check the result is
                       the payload

Every check prints one JSON line {"case", "ok", "got", "want"}; bytes are
printed as {"hex": ...}. The process exits 0 when it ran to the end, even
with failed cases: the Go test decides.
"""
import decimal
import json
import sys
import traceback

cfg = json.loads(sys.argv[1])
OUT = sys.stdout  # Twisted's logging replaces sys.stdout
FLAVOR = cfg["flavor"]

if FLAVOR == "asyncio":
    import asyncio
    import txaio
    txaio.use_asyncio()
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    txaio.config.loop = loop
    from autobahn.asyncio.wamp import ApplicationRunner, ApplicationSession
    CancelledError = asyncio.CancelledError
else:
    import txaio
    txaio.use_twisted()
    from twisted.internet import reactor
    from twisted.internet.defer import CancelledError
    from autobahn.twisted.wamp import ApplicationRunner, ApplicationSession

from autobahn.wamp import auth, message, serializer as ser
from autobahn.wamp.exception import ApplicationError
from autobahn.wamp.types import (CallOptions, CallResult, PublishOptions, RegisterOptions,
                                 SubscribeOptions)

# Autobahn 22.7.1 has no disclose_me option: PUBLISH and CALL to URIs under
# "py.disclose" carry it all the same, put into the message's options.
for cls in (message.Publish, message.Call):
    def patched(self, _orig=cls.marshal):
        m = _orig(self)
        uri = m[3]
        if isinstance(uri, str) and uri.startswith("py.disclose"):
            m[2]["disclose_me"] = True
        return m
    cls.marshal = patched


def jsonable(v):
    if isinstance(v, decimal.Decimal) and v == v.to_integral_value():
        return int(v)  # UBJSON's high-precision number, for a uint64
    if isinstance(v, (bytes, bytearray)):
        return {"hex": bytes(v).hex()}
    if isinstance(v, (list, tuple)):
        return [jsonable(x) for x in v]
    if isinstance(v, dict):
        return {k: jsonable(x) for k, x in v.items()}
    return v


failed = []


def report(case, got, want=None, ok=None):
    if ok is None:
        ok = got == want
    if not ok:
        failed.append(case)
    print(json.dumps({"case": case, "ok": bool(ok), "got": jsonable(got), "want": jsonable(want)}), file=OUT, flush=True)


def make_serializer():
    name, batched = cfg["serializer"], cfg.get("batched", False)
    cls = {"json": ser.JsonSerializer, "msgpack": ser.MsgPackSerializer,
           "cbor": ser.CBORSerializer, "ubjson": ser.UBJSONSerializer}[name]
    return cls(batched=batched)


def stop():
    if FLAVOR == "asyncio":
        loop.stop()
    elif reactor.running:
        reactor.stop()


# The payloads every serializer must carry unchanged.
TEXT = "κόσμε 🚀 \u0000 \"quoted\""
INTS = [2**63 - 1, -2**63, 0, -1, 2**53 + 1]
if cfg.get("uint64", True):
    INTS.append(2**64 - 1)
BIG = 2**63 - 1
if cfg.get("js_ints"):  # for a JavaScript peer: numbers within ±2^53
    INTS, BIG = [2**53 - 1, -(2**53 - 1), 0, -1], 2**53 - 1
BYTES = bytes([0, 1, 2, 255, 0x80]) + "é".encode()


def payload_args():
    args = [1, TEXT, INTS, {"nested": [None, True, False, 1.5]}]
    kwargs = {"ü": TEXT, "n": BIG, "list": [1, "x"]}
    if cfg.get("bytes", True):
        args.append(BYTES)
        kwargs["b"] = BYTES
    return args, kwargs


class Both:
    """Two sessions of this process: a (callee, subscriber) and b."""

    def __init__(self):
        self.a = None
        self.b = None
        self.ready = txaio.create_future()

    def joined(self, s, name):
        setattr(self, name, s)
        if self.a is not None and self.b is not None:
            resolve(self.ready, None)


both = Both()


def resolve(f, v):
    if not (f.done() if FLAVOR == "asyncio" else f.called):
        txaio.resolve(f, v)


async def run_core():
    await both.ready
    a, b = both.a, both.b
    args, kwargs = payload_args()

    # RPC: args, kwargs, bytes, non-ASCII, int64 extremes, Py → Py.
    def echo(*args, **kwargs):
        return CallResult(*args, **kwargs)
    await a.register(echo, "py.echo")
    r = await b.call("py.echo", *args, **kwargs)
    report("rpc_echo", [list(r.results), r.kwresults], [args, kwargs])

    # Py → Go callee (go.echo returns what it received).
    r = await b.call("go.echo", *args, **kwargs)
    report("rpc_go_echo", [list(r.results), r.kwresults], [args, kwargs])

    # A single positional result comes back as that value.
    await a.register(lambda x: x * 2, "py.double")
    report("rpc_single", await b.call("py.double", 21), 42)

    # Progressive results.
    async def progressive(n, details=None):
        for i in range(n):
            details.progress(i, tag="p")
        return "done"
    await a.register(progressive, "py.progress", options=RegisterOptions(details_arg="details"))
    progress = []
    r = await b.call("py.progress", 3, options=CallOptions(on_progress=lambda i, tag=None: progress.append([i, tag])))
    report("rpc_progressive", [progress, r], [[[0, "p"], [1, "p"], [2, "p"]], "done"])

    # Call cancel: the caller's future is cancelled, the callee interrupted.
    interrupted = txaio.create_future()
    started = txaio.create_future()

    async def slow():
        never = txaio.create_future()
        resolve(started, True)
        try:
            await never
        except CancelledError:
            resolve(interrupted, "interrupted")
            raise
    await a.register(slow, "py.slow")
    call = b.call("py.slow")
    await started
    call.cancel()
    try:
        await call
        report("rpc_cancel_caller", "returned", "CancelledError")
    except CancelledError:
        report("rpc_cancel_caller", "CancelledError", "CancelledError")
    except ApplicationError as e:
        report("rpc_cancel_caller", e.error, "wamp.error.canceled")
    report("rpc_cancel_callee", await interrupted, "interrupted")

    # Errors with args and kwargs, and the router's own.
    def fail():
        raise ApplicationError("com.example.error", 1, TEXT, [2**63 - 1], reason="κ", n=-2**63)
    await a.register(fail, "py.fail")
    try:
        await b.call("py.fail")
        report("rpc_error", "no error", "ApplicationError")
    except ApplicationError as e:
        report("rpc_error", [e.error, list(e.args), e.kwargs],
               ["com.example.error", [1, TEXT, [2**63 - 1]], {"reason": "κ", "n": -2**63}])
    try:
        await b.call("py.nowhere")
        report("rpc_no_such_procedure", "no error", "wamp.error.no_such_procedure")
    except ApplicationError as e:
        report("rpc_no_such_procedure", e.error, "wamp.error.no_such_procedure")

    # Caller disclosure (disclose_me).
    def who(details=None):
        return details.caller
    await a.register(who, "py.disclose.who", options=RegisterOptions(details_arg="details"))
    report("rpc_disclose_me", await b.call("py.disclose.who"), b._session_id)

    # Pattern-based registrations: exact beats prefix beats wildcard.
    def proc(tag):
        def f(details=None):
            return [tag, details.procedure]
        return f
    opts = lambda m: RegisterOptions(match=m, details_arg="details")
    await a.register(proc("exact"), "py.rp.exact", options=opts("exact"))
    await a.register(proc("prefix"), "py.rp", options=opts("prefix"))
    await a.register(proc("wildcard"), "py.rp..x", options=opts("wildcard"))
    got = [await b.call(u) for u in ("py.rp.exact", "py.rp.a.b", "py.rp.q.x", "py.other.x")
           if u != "py.other.x"]
    report("rpc_patterns", got, [["exact", None], ["prefix", "py.rp.a.b"], ["prefix", "py.rp.q.x"]],
           ok=got[0][0] == "exact" and got[1] == ["prefix", "py.rp.a.b"] and got[2] == ["prefix", "py.rp.q.x"])
    await a.register(proc("wildcard"), "py..wc", options=opts("wildcard"))
    report("rpc_wildcard", await b.call("py.any.wc"), ["wildcard", "py.any.wc"])

    # Shared registration, round robin between the two sessions.
    await a.register(lambda: "a", "py.rr", options=RegisterOptions(invoke="roundrobin"))
    await b.register(lambda: "b", "py.rr", options=RegisterOptions(invoke="roundrobin"))
    got = [await b.call("py.rr") for _ in range(4)]
    report("rpc_shared_roundrobin", got, ["a", "b", "a", "b"])
    try:
        await b.register(lambda: "x", "py.rr", options=RegisterOptions(invoke="single"))
        report("rpc_shared_policy_mismatch", "registered", "wamp.error.procedure_already_exists")
    except ApplicationError as e:
        report("rpc_shared_policy_mismatch", e.error, "wamp.error.procedure_already_exists")

    # Pub/sub: a subscribes, b publishes with acknowledge.
    events = {}
    waiters = {}

    def on(topic, n, details_kw=True):
        events[topic] = []
        waiters[topic] = (n, txaio.create_future())

        def h(*args, details=None, **kwargs):
            events[topic].append({"args": list(args), "kwargs": kwargs, "publisher": details.publisher,
                                  "topic": details.topic})
            n, f = waiters[topic]
            if len(events[topic]) >= n:
                resolve(f, None)
        return h

    async def got(topic):
        await waiters[topic][1]
        return events[topic]

    await a.subscribe(on("py.topic", 1), "py.topic", options=SubscribeOptions(details_arg="details"))
    pub = await b.publish("py.topic", *args, options=PublishOptions(acknowledge=True), **kwargs)
    report("pub_acknowledge", isinstance(pub.id, int) and pub.id > 0, True)
    ev = (await got("py.topic"))[0]
    report("pub_payload", [ev["args"], ev["kwargs"]], [args, kwargs])

    # Py → Go subscriber (the Go test checks what it received).
    await b.publish("go.topic", *args, options=PublishOptions(acknowledge=True), **kwargs)

    # exclude_me: the default excludes the publisher, exclude_me=False does
    # not; events of one publisher arrive in order, so the marker proves the
    # first one was not delivered.
    await a.subscribe(on("py.self", 1), "py.self", options=SubscribeOptions(details_arg="details"))
    await a.publish("py.self", "excluded", options=PublishOptions(acknowledge=True))
    await a.publish("py.self", "marker", options=PublishOptions(acknowledge=True, exclude_me=False))
    report("pub_exclude_me", [e["args"] for e in await got("py.self")], [["marker"]])

    # eligible / exclude by session ID, to the two sessions of this process.
    await a.subscribe(on("py.bw.a", 2), "py.bw", options=SubscribeOptions(details_arg="details"))
    await b.subscribe(on("py.bw.b", 2), "py.bw", options=SubscribeOptions(details_arg="details"))
    o = dict(acknowledge=True, exclude_me=False)
    await a.publish("py.bw", "only-b", options=PublishOptions(eligible=[b._session_id], **o))
    await a.publish("py.bw", "not-b", options=PublishOptions(exclude=[b._session_id], **o))
    await a.publish("py.bw", "authrole", options=PublishOptions(eligible_authrole=["nobody"], **o))
    await a.publish("py.bw", "all", options=PublishOptions(**o))
    ea = [e["args"][0] for e in await got("py.bw.a")]
    eb = [e["args"][0] for e in await got("py.bw.b")]
    report("pub_eligible_exclude", [ea, eb], [["not-b", "all"], ["only-b", "all"]])

    # Publisher disclosure.
    await a.subscribe(on("py.disclose.t", 1), "py.disclose.t", options=SubscribeOptions(details_arg="details"))
    await b.publish("py.disclose.t", "x", options=PublishOptions(acknowledge=True))
    report("pub_disclose_me", (await got("py.disclose.t"))[0]["publisher"], b._session_id)

    # Prefix and wildcard subscriptions: details.topic is the event's topic.
    await a.subscribe(on("py.pre", 1), "py.pre", options=SubscribeOptions(match="prefix", details_arg="details"))
    await a.subscribe(on("py..wild", 1), "py..wild", options=SubscribeOptions(match="wildcard", details_arg="details"))
    await b.publish("py.pre.x.y", 1, options=PublishOptions(acknowledge=True))
    await b.publish("py.z.wild", 2, options=PublishOptions(acknowledge=True))
    report("pub_prefix", (await got("py.pre"))[0]["topic"], "py.pre.x.y")
    report("pub_wildcard", (await got("py..wild"))[0]["topic"], "py.z.wild")

    # Unsubscribe: no more events (the ack of a later publication to a
    # still-subscribed topic orders the check).
    s = await a.subscribe(on("py.unsub", 1), "py.unsub", options=SubscribeOptions(details_arg="details"))
    await s.unsubscribe()
    await b.publish("py.unsub", "late", options=PublishOptions(acknowledge=True))
    await a.publish("py.self", "marker2", options=PublishOptions(acknowledge=True, exclude_me=False))
    report("pub_unsubscribe", events["py.unsub"], [])


async def run_advanced():
    """The router's Advanced Profile features beyond the core: call timeout,
    authorization, event retention and history, meta API, testaments."""
    await both.ready
    a, b = both.a, both.b
    ack = PublishOptions(acknowledge=True)

    # Call timeout (the dealer's timer): the caller gets wamp.error.timeout,
    # the callee is interrupted.
    interrupted = txaio.create_future()

    async def slow():
        try:
            await txaio.create_future()
        except CancelledError:
            resolve(interrupted, "interrupted")
            raise
    await a.register(slow, "adv.slow")
    try:
        await b.call("adv.slow", options=CallOptions(timeout=200))  # ms on the wire
        report("call_timeout", "returned", "wamp.error.timeout")
    except ApplicationError as e:
        report("call_timeout", e.error, "wamp.error.timeout")
    report("call_timeout_interrupt", await interrupted, "interrupted")

    # Authorization: adv.denied allows nothing to this role; adv.forced
    # discloses the caller whatever the CALL says.
    for what, op in (("call", lambda: b.call("adv.denied.x")),
                     ("register", lambda: a.register(lambda: 1, "adv.denied.x")),
                     ("subscribe", lambda: a.subscribe(lambda: 1, "adv.denied.x")),
                     ("publish", lambda: b.publish("adv.denied.x", options=ack))):
        try:
            await op()
            report("authz_denied_" + what, "allowed", "wamp.error.not_authorized")
        except ApplicationError as e:
            report("authz_denied_" + what, e.error, "wamp.error.not_authorized")

    def who(details=None):
        return details.caller
    await a.register(who, "adv.forced.who", options=RegisterOptions(details_arg="details"))
    report("authz_disclose_caller", await b.call("adv.forced.who"), b._session_id)

    # Event retention: a later subscriber asking for it gets the last one.
    await b.publish("adv.retained", "old", options=PublishOptions(acknowledge=True, retain=True))
    await b.publish("adv.retained", "last", options=PublishOptions(acknowledge=True, retain=True))
    got = txaio.create_future()

    def on_retained(x, details=None):
        resolve(got, [x, details.retained])
    await a.subscribe(on_retained, "adv.retained", options=SubscribeOptions(get_retained=True, details_arg="details"))
    report("retained", await got, ["last", True])

    # Event history: the realm keeps adv.hist's events from its start,
    # before anyone subscribed; a subscription to it gets the ID that
    # get_events takes (and lookup then finds).
    for i in range(3):
        await b.publish("adv.hist", "h%d" % i, n=i, options=ack)
    sub = (await a.subscribe(lambda *x, **k: None, "adv.hist")).id
    report("history_lookup", await a.call("wamp.subscription.lookup", "adv.hist"), sub)
    # The positional limit is Crossbar's form: the last N, newest first.
    events = await a.call("wamp.subscription.get_events", sub, 10)
    report("history_get_events", [[e.get("args"), e.get("kwargs"), e.get("subscription")] for e in events],
           [[["h%d" % i], {"n": i}, sub] for i in reversed(range(3))])

    # Meta API.
    report("meta_session_count", await a.call("wamp.session.count"), 2)
    ids = await a.call("wamp.session.list")
    report("meta_session_list", sorted(ids), sorted([a._session_id, b._session_id]))
    info = await a.call("wamp.session.get", b._session_id)
    report("meta_session_get", [info.get("session"), info.get("authrole"), info.get("authmethod")],
           [b._session_id, "anonymous", "anonymous"])
    reg = await a.call("wamp.registration.lookup", "adv.slow")
    report("meta_registration_callees", await a.call("wamp.registration.list_callees", reg), [a._session_id])
    report("meta_subscription_lookup_none", await a.call("wamp.subscription.lookup", "adv.nothing"), None)
    try:
        await a.call("wamp.session.get", 1)
        report("meta_session_get_unknown", "found", "wamp.error.no_such_session")
    except ApplicationError as e:
        report("meta_session_get_unknown", e.error, "wamp.error.no_such_session")

    # Testament and on_leave: b leaves, a gets b's testament, then on_leave.
    seen = []
    done = txaio.create_future()

    def on_event(name):
        def h(*args, **kwargs):
            seen.append([name, list(args)])
            if name == "on_leave":
                resolve(done, None)
        return h
    await a.subscribe(on_event("testament"), "adv.testament")
    await a.subscribe(on_event("on_leave"), "wamp.session.on_leave")
    await b.call("wamp.session.add_testament", "adv.testament", [b._session_id, "bye κ"], {})
    bid = b._session_id
    b.leave()
    await done
    report("testament_then_on_leave", [[n, x[:1] if n == "on_leave" else x] for n, x in seen],
           [["testament", [bid, "bye κ"]], ["on_leave", [bid]]])


async def run_caller():
    await both.ready
    args, kwargs = payload_args()
    r = await both.a.call(cfg["proc"], *args, **kwargs)
    report("call_result", [list(r.results), r.kwresults], [args, kwargs])


# Autobahn 22.7.1 hands the SCRAM challenge's salt string to a PBKDF2 that
# takes bytes only ("Invalid argument types"): the one fix made to Autobahn
# for pbkdf2, as in scram_python_test.go.
_pbkdf2 = auth._hash_pbkdf2_secret
auth._hash_pbkdf2_secret = lambda pw, salt, it: _pbkdf2(pw, salt.encode() if isinstance(salt, str) else salt, it)


def make_authenticator(a):
    kw = {"authid": a["authid"]} if a.get("authid") else {}
    m = a["method"]
    if m == "ticket":
        return auth.create_authenticator("ticket", ticket=a["secret"], **kw)
    if m == "wampcra":
        return auth.create_authenticator("wampcra", secret=a["secret"], **kw)
    if m == "cryptosign":
        if a.get("channel_binding"):
            kw["authextra"] = {"channel_binding": a["channel_binding"]}
        return auth.create_authenticator("cryptosign", privkey=a["secret"], **kw)
    if m == "scram":
        return auth.AuthScram(password=a["secret"], **kw)
    return None


class Session(ApplicationSession):
    name = "a"
    auth_cfg = None

    def onConnect(self):
        a = self.auth_cfg
        self.authenticator = make_authenticator(a) if a else None
        if self.authenticator is None:
            self.join(self.config.realm, authmethods=[a["method"]] if a else None)
            return
        self.join(self.config.realm, authmethods=[a["method"]], authid=a.get("authid"),
                  authextra=self.authenticator.authextra)

    async def onChallenge(self, challenge):
        if self.auth_cfg.get("unbound_signature"):
            # HELLO asked for a channel binding; sign as if there were none.
            sig = await txaio.as_future(self.authenticator._privkey.sign_challenge, challenge)
            return sig.decode("ascii") if isinstance(sig, bytes) else sig
        sig = await txaio.as_future(self.authenticator.on_challenge, self, challenge)
        return sig.decode("ascii") if isinstance(sig, bytes) else sig

    async def onJoin(self, details):
        self.welcomed = True
        if cfg["mode"] == "auth":
            verified = None
            if self.authenticator is not None:
                verified = self.authenticator.on_welcome(self, details.authextra) is None
            report("auth:" + self.auth_cfg["name"],
                   {"authid": details.authid, "authrole": details.authrole, "authmethod": details.authmethod,
                    "welcome_verified": verified}, ok=True)
            self.leave()
            return
        both.joined(self, self.name)
        if self.name != "a":
            return
        try:
            await {"core": run_core, "advanced": run_advanced, "caller": run_caller}[cfg["mode"]]()
        except Exception as e:
            traceback.print_exc()
            report("exception", repr(e), None)
        finally:
            if both.b and both.b.is_attached():
                both.b.leave()
            self.leave()

    def onLeave(self, details):
        if cfg["mode"] == "auth" and not getattr(self, "welcomed", False):
            report("auth:" + self.auth_cfg["name"], {"abort": details.reason}, ok=True)
        self.disconnect()

    def onDisconnect(self):
        state["left"] += 1
        if cfg["mode"] == "auth" and state["left"] < len(cfg["auths"]):
            start(Session, cfg["auths"][state["left"]])
        elif state["left"] >= state["sessions"]:
            stop()


class SessionB(Session):
    name = "b"


state = {"left": 0, "sessions": 2 if cfg["mode"] in ("core", "advanced") else 1}
if state["sessions"] == 1:
    both.b = False  # ready with a alone


def start(cls, auth_cfg=None):
    def make(config):
        s = cls(config)
        s.auth_cfg = auth_cfg
        return s
    ssl_ctx = None
    if cfg.get("cafile"):  # wss:// with the router's certificate; TLS 1.2 for tls-unique
        import ssl
        ssl_ctx = ssl.create_default_context(cafile=cfg["cafile"])
    r = ApplicationRunner(cfg["url"], cfg["realm"], serializers=[make_serializer()], ssl=ssl_ctx)

    def failed(e):
        report("connect", repr(e), None)
        stop()
    if FLAVOR == "asyncio":
        task = asyncio.ensure_future(r.run(make, start_loop=False))
        task.add_done_callback(lambda t: t.exception() and failed(t.exception()))
        return task
    d = r.run(make, start_reactor=False)
    d.addErrback(lambda f: failed(f.value))
    return d


def watchdog():
    report("timeout", "peer watchdog fired", None)
    stop()


txaio.start_logging(level="warn", out=sys.stderr)
if cfg["mode"] == "auth":
    start(Session, cfg["auths"][0])
else:
    for cls in [Session, SessionB][:state["sessions"]]:
        start(cls, cfg.get("auth"))
if FLAVOR == "asyncio":
    loop.call_later(cfg.get("timeout", 20), watchdog)
    loop.run_forever()
else:
    reactor.callLater(cfg.get("timeout", 20), watchdog)
    reactor.run()
print(json.dumps({"case": "end", "ok": not failed, "got": failed}), file=OUT, flush=True)
