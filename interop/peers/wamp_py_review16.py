"""WAMP peer on Autobahn|Python (asyncio) for the review16 router interop
tests in interop/wamp. One argument, a JSON object:

  url, realm   where to join
  serializers  one serializer name per session to join (json, msgpack,
               cbor, ubjson): session i uses serializers[i]
  mode         "unencodable"  a session of serializers[0] publishes
                              floats that serializers[1]'s cannot carry
                              (NaN, infinity) to a session of
                              serializers[1], live and retained; that
                              subscriber must get the events after them
                              and stay joined
               "unencodable_rpc"  the same floats in calls between a
                              session of serializers[0] and one of
                              serializers[1]: a CALL to, and a RESULT or
                              ERROR for, the latter; the caller gets
                              wamp.error.invalid_argument, and both stay
                              joined
               "advanced"     shared registrations (first, last,
                              random), reroute on wamp.error.unavailable,
                              CANCEL modes kill and skip, black- and
                              whitelisting by authid and authrole,
                              publisher and caller identification,
                              progressive results cut by a call timeout,
                              retained events to pattern subscriptions

Every check prints one JSON line {"case", "ok", "got", "want"}; the last
line is {"case": "end"}. The process exits 0 when it ran to the end, even
with failed cases: the Go test decides.
"""
import asyncio
import json
import sys
import traceback

import txaio

txaio.use_asyncio()
loop = asyncio.new_event_loop()
asyncio.set_event_loop(loop)
txaio.config.loop = loop

from autobahn.asyncio.wamp import ApplicationRunner, ApplicationSession  # noqa: E402
from autobahn.wamp import message, serializer as ser  # noqa: E402
from autobahn.wamp.exception import ApplicationError  # noqa: E402
from autobahn.wamp.types import CallOptions, PublishOptions, RegisterOptions, SubscribeOptions  # noqa: E402

cfg = json.loads(sys.argv[1])
OUT = sys.stdout
WAIT = cfg.get("wait", 3)  # seconds a check waits for an event or an answer
failed = []


def report(case, got, want=None, ok=None):
    if ok is None:
        ok = got == want
    if not ok:
        failed.append(case)
    print(json.dumps({"case": case, "ok": bool(ok), "got": got, "want": want}, default=repr), file=OUT, flush=True)


# Autobahn 22.7.1's CANCEL has no mode: the one set here goes into the
# message's options.
cancel_mode = {}
_cancel_marshal = message.Cancel.marshal


def _marshal_cancel(self):
    m = _cancel_marshal(self)
    if cancel_mode.get("mode"):
        m[2]["mode"] = cancel_mode["mode"]
    return m


message.Cancel.marshal = _marshal_cancel

SERIALIZERS = {"json": ser.JsonSerializer, "msgpack": ser.MsgPackSerializer,
               "cbor": ser.CBORSerializer, "ubjson": ser.UBJSONSerializer}
sessions = [None] * len(cfg["serializers"])
ready = loop.create_future()
left = []


class Session(ApplicationSession):
    async def onJoin(self, details):
        self.joined = details
        sessions[self.config.extra["i"]] = self
        if all(sessions) and not ready.done():
            ready.set_result(None)

    def onLeave(self, details):
        left.append([self.config.extra["i"], details.reason])
        self.disconnect()


class Events:
    """Collects events by name; wait(name, n) waits for n of them."""

    def __init__(self):
        self.got = {}
        self.waiters = {}

    def handler(self, name, details=False):
        self.got.setdefault(name, [])

        def h(*args, details=None, **kwargs):
            e = list(args)
            if details is not None:
                e = [e, {"publisher": details.publisher, "publisher_authid": details.publisher_authid,
                         "publisher_authrole": details.publisher_authrole, "topic": details.topic,
                         "retained": details.retained}]
            self.got[name].append(e)
            for n, f in self.waiters.get(name, []):
                if len(self.got[name]) >= n and not f.done():
                    f.set_result(None)
        return h

    async def wait(self, name, n):
        if len(self.got.get(name, [])) < n:
            f = loop.create_future()
            self.waiters.setdefault(name, []).append((n, f))
            try:
                await asyncio.wait_for(f, WAIT)
            except asyncio.TimeoutError:
                pass
        return self.got.get(name, [])


async def alive(s):
    """Whether s is joined and answered by the router."""
    try:
        return isinstance(await asyncio.wait_for(s.call("wamp.session.count"), WAIT), int)
    except Exception as e:
        return repr(e)


async def run_unencodable():
    """An EVENT the subscriber's serializer cannot carry is not delivered to
    it, and the subscriber's session goes on."""
    pub, sub = sessions[0], sessions[1]
    ev = Events()
    ack = PublishOptions(acknowledge=True)
    await sub.subscribe(ev.handler("live"), "py.unenc.live")
    await pub.publish("py.unenc.live", float("nan"), options=ack)
    await pub.publish("py.unenc.live", float("inf"), "x", options=ack)
    await pub.publish("py.unenc.live", "after", options=ack)
    report("live_event_after", await ev.wait("live", 1), [["after"]])
    report("live_subscriber_alive", await alive(sub), True)

    # Retained: delivered on SUBSCRIBE with get_retained.
    await pub.publish("py.unenc.retained", float("-inf"), options=PublishOptions(acknowledge=True, retain=True))
    try:
        await asyncio.wait_for(sub.subscribe(ev.handler("retained"), "py.unenc.retained",
                                             options=SubscribeOptions(get_retained=True)), WAIT)
        await pub.publish("py.unenc.retained", "after", options=ack)
        report("retained_event_after", await ev.wait("retained", 1), [["after"]])
    except Exception as e:
        report("retained_event_after", repr(e), [["after"]])
    report("retained_subscriber_alive", await alive(sub), True)
    report("left", left, [])


async def call_error(s, proc, *args):
    """The ERROR URI of a call (the result when it has none)."""
    try:
        return await asyncio.wait_for(s.call(proc, *args), WAIT)
    except ApplicationError as e:
        return e.error
    except Exception as e:
        return repr(e)


async def run_unencodable_rpc():
    """A call whose INVOCATION the callee's serializer cannot carry, or whose
    RESULT or ERROR the caller's cannot, is answered with
    wamp.error.invalid_argument, and both sessions go on."""
    rich, plain = sessions[0], sessions[1]

    def echo(*args):
        return args[0] if args else None

    def inf():
        return float("inf")

    def err():
        raise ApplicationError("py.unenc.app_error", float("-inf"))

    await plain.register(echo, "py.unenc.echo")
    await rich.register(inf, "py.unenc.inf")
    await rich.register(err, "py.unenc.err")
    report("call_nan", await call_error(rich, "py.unenc.echo", float("nan")), "wamp.error.invalid_argument")
    report("call_after", await call_error(rich, "py.unenc.echo", "ok"), "ok")
    report("result_inf", await call_error(plain, "py.unenc.inf"), "wamp.error.invalid_argument")
    report("error_inf", await call_error(plain, "py.unenc.err"), "wamp.error.invalid_argument")
    report("callee_alive", await alive(plain), True)
    report("caller_alive", await alive(rich), True)
    report("left", left, [])


async def run_advanced():
    a, b, c = sessions[0], sessions[1], sessions[2]
    ack = dict(acknowledge=True)

    # Shared registrations: a registered first, then b.
    for policy, want in (("first", ["a"] * 4), ("last", ["b"] * 4)):
        await a.register(lambda: "a", "py16.shared." + policy, options=RegisterOptions(invoke=policy))
        await b.register(lambda: "b", "py16.shared." + policy, options=RegisterOptions(invoke=policy))
        report("shared_" + policy, [await c.call("py16.shared." + policy) for _ in range(4)], want)
    await a.register(lambda: "a", "py16.shared.random", options=RegisterOptions(invoke="random"))
    await b.register(lambda: "b", "py16.shared.random", options=RegisterOptions(invoke="random"))
    got = set()
    for _ in range(64):  # 2^-63 to miss one
        got.add(await c.call("py16.shared.random"))
        if len(got) == 2:
            break
    report("shared_random", sorted(got), ["a", "b"])
    # The first callee leaves the registration: the next one takes over.
    reg = await a.register(lambda: "a", "py16.shared.first2", options=RegisterOptions(invoke="first"))
    await b.register(lambda: "b", "py16.shared.first2", options=RegisterOptions(invoke="first"))
    r1 = await c.call("py16.shared.first2")
    await reg.unregister()
    report("shared_first_unregister", [r1, await c.call("py16.shared.first2")], ["a", "b"])

    # Reroute: wamp.error.unavailable sends the call to the next callee,
    # unless progressive results went out already.
    def unavailable():
        raise ApplicationError("wamp.error.unavailable")
    await a.register(unavailable, "py16.reroute", options=RegisterOptions(invoke="roundrobin"))
    await b.register(lambda: "b", "py16.reroute", options=RegisterOptions(invoke="roundrobin"))
    report("reroute_roundrobin", [await c.call("py16.reroute") for _ in range(3)], ["b"] * 3)
    await a.register(unavailable, "py16.reroute.single")
    try:
        await c.call("py16.reroute.single")
        report("reroute_single", "returned", "wamp.error.no_available_callee")
    except ApplicationError as e:
        report("reroute_single", e.error, "wamp.error.no_available_callee")

    async def progress_then_unavailable(details=None):
        details.progress("p")
        raise ApplicationError("wamp.error.unavailable")
    await a.register(progress_then_unavailable, "py16.reroute.progressed",
                     options=RegisterOptions(invoke="first", details_arg="details"))
    await b.register(lambda: "b", "py16.reroute.progressed", options=RegisterOptions(invoke="first"))
    parts = []
    try:
        await c.call("py16.reroute.progressed", options=CallOptions(on_progress=parts.append))
        report("reroute_after_progress", "returned", ["wamp.error.unavailable", ["p"]])
    except ApplicationError as e:
        report("reroute_after_progress", [e.error, parts], ["wamp.error.unavailable", ["p"]])

    # CANCEL modes (the callee is Autobahn, which announces call_canceling):
    # kill and killnowait interrupt it, skip does not; the caller's session
    # goes on.
    for mode, want in (("kill", "interrupted"), ("killnowait", "interrupted"), ("skip", "finished")):
        started, ended = loop.create_future(), loop.create_future()
        release = loop.create_future()

        async def slow(started=started, ended=ended, release=release):
            started.set_result(None)
            try:
                await release
                ended.set_result("finished")
                return "finished"
            except asyncio.CancelledError:
                ended.set_result("interrupted")
                raise
        await a.register(slow, "py16.cancel." + mode)
        cancel_mode["mode"] = mode
        call = b.call("py16.cancel." + mode)
        await started
        call.cancel()
        # txaio sends the CANCEL from a done-callback that asyncio runs on
        # the loop's next turn: yield once so that it leaves before the
        # next CALL (awaiting the canceled future does not yield). Without
        # it, skip's release could let the YIELD reach the router before
        # the CANCEL, and Autobahn 22.7.1 fails its connection on the
        # RESULT of a call it canceled (InvalidStateError).
        await asyncio.sleep(0)
        try:
            await call
        except asyncio.CancelledError:
            pass
        if mode == "skip":
            # skip: the callee runs on, its YIELD is dropped. Released once
            # a later call of b's is answered, so after the router had the
            # CANCEL: Autobahn 22.7.1 fails its connection on a RESULT for
            # a call it canceled (a race every cancel mode allows).
            await b.call("wamp.session.count")
            release.set_result(None)
        try:
            got = await asyncio.wait_for(asyncio.shield(ended), WAIT)
        except asyncio.TimeoutError:
            got = "still running"
        report("cancel_" + mode, [got, await alive(b)], [want, True])
    cancel_mode.clear()

    # Black- and whitelisting by authid and authrole, with the publisher
    # disclosed to the subscribers.
    ev = Events()
    for name, s in (("a", a), ("b", b), ("c", c)):
        await s.subscribe(ev.handler(name, details=True), "py16.bw", options=SubscribeOptions(details_arg="details"))
    ida, idb, idc = (s.joined.authid for s in (a, b, c))
    await a.publish("py16.bw", "exclude_authid_b", options=PublishOptions(exclude_authid=[idb], exclude_me=False, **ack))
    await a.publish("py16.bw", "eligible_authid_c", options=PublishOptions(eligible_authid=[idc], **ack))
    await a.publish("py16.bw", "exclude_authrole", options=PublishOptions(exclude_authrole=["anonymous"], exclude_me=False, **ack))
    await a.publish("py16.bw", "eligible_authrole", options=PublishOptions(eligible_authrole=["anonymous"], **ack))
    await a.publish("py16.bw", "eligible_authid_b_exclude_b", options=PublishOptions(eligible_authid=[idb], exclude=[b._session_id], **ack))
    await a.publish("py16.bw", "end", options=PublishOptions(exclude_me=False, **ack))
    want = {"a": ["exclude_authid_b", "end"],
            "b": ["eligible_authrole", "end"],
            "c": ["exclude_authid_b", "eligible_authid_c", "eligible_authrole", "end"]}
    # Events of one publisher arrive in order: "end" comes last.
    got = {n: [e[0][0] for e in await ev.wait(n, len(want[n]))] for n in want}
    report("blackwhite_authid_authrole", got, want)

    # Publisher identification: disclose_me is not in Autobahn 22.7.1's
    # PublishOptions, so it goes into the message's options.
    _pub_marshal = message.Publish.marshal

    def disclose(self):
        m = _pub_marshal(self)
        m[2]["disclose_me"] = True
        return m
    message.Publish.marshal = disclose
    try:
        await b.publish("py16.bw", "disclosed", options=PublishOptions(**ack))
    finally:
        message.Publish.marshal = _pub_marshal
    evs = await ev.wait("c", len(ev.got["c"]) + 1)
    report("publisher_identification", evs[-1][1] if evs else None,
           {"publisher": b._session_id, "publisher_authid": idb, "publisher_authrole": "anonymous",
            "topic": "py16.bw", "retained": None})  # Autobahn fills in topic itself

    # Caller identification: the callee registered with disclose_caller.
    def who(details=None):
        return [details.caller, details.caller_authid, details.caller_authrole]
    _reg_marshal = message.Register.marshal

    def disclose_caller(self):
        m = _reg_marshal(self)
        m[2]["disclose_caller"] = True
        return m
    message.Register.marshal = disclose_caller
    try:
        await a.register(who, "py16.who", options=RegisterOptions(details_arg="details"))
    finally:
        message.Register.marshal = _reg_marshal
    report("caller_identification", await c.call("py16.who"), [c._session_id, idc, "anonymous"])

    # Progressive results, then the call timeout: the parts sent before it
    # arrive, then ERROR wamp.error.timeout; the callee is interrupted.
    interrupted = loop.create_future()

    async def stream(details=None):
        try:
            for i in range(3):
                details.progress(i)
            await loop.create_future()
        except asyncio.CancelledError:
            interrupted.set_result("interrupted")
            raise
    await a.register(stream, "py16.stream", options=RegisterOptions(details_arg="details"))
    parts = []
    try:
        await c.call("py16.stream", options=CallOptions(on_progress=parts.append, timeout=300))
        report("progress_then_timeout", "returned", None, ok=False)
    except ApplicationError as e:
        try:
            got = await asyncio.wait_for(asyncio.shield(interrupted), WAIT)
        except asyncio.TimeoutError:
            got = "not interrupted"
        report("progress_then_timeout", [parts, e.error, got], [[0, 1, 2], "wamp.error.timeout", "interrupted"])

    # Retained events to prefix and wildcard subscriptions, with
    # Details.topic and Details.retained.
    await b.publish("py16.ret.x.temp", 21, options=PublishOptions(retain=True, **ack))
    await b.publish("py16.ret.y.temp", 22, options=PublishOptions(retain=True, **ack))
    await b.publish("py16.ret.y.hum", 50, options=PublishOptions(retain=True, **ack))
    rv = Events()
    await c.subscribe(rv.handler("prefix", details=True), "py16.ret.y",
                      options=SubscribeOptions(match="prefix", get_retained=True, details_arg="details"))
    await c.subscribe(rv.handler("wildcard", details=True), "py16.ret..temp",
                      options=SubscribeOptions(match="wildcard", get_retained=True, details_arg="details"))
    pre = sorted([e[0][0], e[1]["topic"], e[1]["retained"]] for e in await rv.wait("prefix", 2))
    wild = sorted([e[0][0], e[1]["topic"], e[1]["retained"]] for e in await rv.wait("wildcard", 2))
    report("retained_patterns", [pre, wild],
           [[[22, "py16.ret.y.temp", True], [50, "py16.ret.y.hum", True]],
            [[21, "py16.ret.x.temp", True], [22, "py16.ret.y.temp", True]]],
           ok=pre == sorted([[22, "py16.ret.y.temp", True], [50, "py16.ret.y.hum", True]])
           and wild == [[21, "py16.ret.x.temp", True], [22, "py16.ret.y.temp", True]])
    report("left", left, [])


async def main():
    try:
        await asyncio.wait_for(ready, cfg.get("join_timeout", 10))
        await {"unencodable": run_unencodable, "unencodable_rpc": run_unencodable_rpc,
               "advanced": run_advanced}[cfg["mode"]]()
    except Exception as e:
        traceback.print_exc()
        report("exception", repr(e), None, ok=False)
    finally:
        print(json.dumps({"case": "end", "ok": not failed, "got": failed}), file=OUT, flush=True)
        for s in sessions:
            if s is not None and s.is_attached():
                s.leave()
        loop.call_later(0.5, loop.stop)


txaio.start_logging(level="warn", out=sys.stderr)
for i, name in enumerate(cfg["serializers"]):
    runner = ApplicationRunner(cfg["url"], cfg["realm"], extra={"i": i}, serializers=[SERIALIZERS[name]()])
    asyncio.ensure_future(runner.run(Session, start_loop=False))
loop.create_task(main())
loop.call_later(cfg.get("timeout", 30), loop.stop)
loop.run_forever()
