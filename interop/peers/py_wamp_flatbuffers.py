"""WAMP-FlatBuffers peer on Autobahn|Python 22.7.1 (Debian) for
interop/wamp/flatbuffers_python_test.go. One argument, a JSON object:

  url, realm   where to join (ws://…, subprotocol wamp.2.flatbuffers)

Autobahn 22.7.1's FlatBuffersSerializer writes and reads PUBLISH and EVENT
only (message.Publish.build, message.Event.build; unserialize knows EVENT
and PUBLISH); every other message raises NotImplementedError, so its
ApplicationSession cannot even send HELLO. This peer therefore speaks the
session itself over Autobahn's WebSocket client:

  - PUBLISH is written by Autobahn's FlatBuffersSerializer, EVENT is read
    by it (args/kwargs as CBOR, Autobahn's own layout);
  - every other message is built and read with the flatc-generated schema
    modules Autobahn ships (autobahn.wamp.gen.wamp.proto), the union
    discriminator being the WAMP message type code, as Autobahn writes it;
  - CALL args/kwargs and RESULT/ERROR args travel in the fields our schema
    appends to those tables (Call slots 13/14, Result 10/11, Error 7/8),
    which Autobahn 22.7.1's schema does not have.

Case "coverage" reports, per message type, whether Autobahn's serializer
can write it. Every check prints one JSON line {"case", "ok", "got", "want"};
bytes as {"hex": ...}. Exits 0 when it ran to the end.
"""
import asyncio
import binascii
import json
import sys
import traceback

import txaio
txaio.use_asyncio()

import os  # noqa: E402

import autobahn.wamp.gen  # noqa: E402
# The generated modules import their nested tables as "wamp.proto.X"
# (absolute), so reading WELCOME.roles needs autobahn/wamp/gen on the path.
sys.path.insert(0, os.path.dirname(autobahn.wamp.gen.__file__))

import cbor2  # noqa: E402
import flatbuffers  # noqa: E402
from autobahn.asyncio.websocket import WebSocketClientFactory, WebSocketClientProtocol  # noqa: E402
from autobahn.wamp import message, role  # noqa: E402
from autobahn.wamp.serializer import FlatBuffersSerializer  # noqa: E402
from autobahn.wamp.gen.wamp.proto import (  # noqa: E402
    Call, CallerFeatures, ClientRoles, Error, Goodbye, Hello, Message, Published,
    PublisherFeatures, Result, Subscribe, Subscribed, SubscriberFeatures, Welcome)

cfg = json.loads(sys.argv[1])
OUT = sys.stdout
SER = FlatBuffersSerializer()

TEXT = "κόσμε 🚀 \"quoted\""
BYTES = b"\x00\x01\x02\xff\x80"
ARGS = [1, TEXT, BYTES, {"nested": [None, True, False, 1.5]}, -(2 ** 63)]
KWARGS = {"ü": TEXT, "b": BYTES, "n": 2 ** 63 - 1}


def plain(v):
    if isinstance(v, (bytes, bytearray, memoryview)):
        return {"hex": binascii.hexlify(bytes(v)).decode()}
    if isinstance(v, (list, tuple)):
        return [plain(x) for x in v]
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items()}
    return v


def report(case, ok, got=None, want=None):
    OUT.write(json.dumps({"case": case, "ok": bool(ok), "got": plain(got), "want": plain(want)}) + "\n")
    OUT.flush()


def finish(b, msg_type, table):
    """Wraps table in the root Message table, discriminator = WAMP code."""
    Message.MessageStart(b)
    Message.MessageAddMsgType(b, msg_type)
    Message.MessageAddMsg(b, table)
    b.Finish(Message.MessageEnd(b))
    return bytes(b.Output())


def open_msg(data):
    """Returns (WAMP type code, union table) of a received message."""
    root = Message.Message.GetRootAs(data, 0)
    return root.MsgType(), root.Msg()


def as_table(cls, tab):
    obj = cls()
    obj.Init(tab.Bytes, tab.Pos)
    return obj


def vector_slot(tab, slot):
    """The bytes of the [ubyte] field in slot, or None."""
    o = tab.Offset(4 + 2 * slot)
    if o == 0:
        return None
    start = tab.Vector(o)
    return bytes(tab.Bytes[start:start + tab.VectorLen(o)])


def build_hello(realm):
    b = flatbuffers.Builder(256)
    features = []
    for mod, start, add, end in (
            (PublisherFeatures, "PublisherFeaturesStart", "PublisherFeaturesAddPublisherExclusion", "PublisherFeaturesEnd"),
            (SubscriberFeatures, "SubscriberFeaturesStart", "SubscriberFeaturesAddPatternBasedSubscription", "SubscriberFeaturesEnd"),
            (CallerFeatures, "CallerFeaturesStart", "CallerFeaturesAddProgressiveCallResults", "CallerFeaturesEnd")):
        getattr(mod, start)(b)
        getattr(mod, add)(b, True)
        features.append(getattr(mod, end)(b))
    ClientRoles.ClientRolesStart(b)
    ClientRoles.ClientRolesAddPublisher(b, features[0])
    ClientRoles.ClientRolesAddSubscriber(b, features[1])
    ClientRoles.ClientRolesAddCaller(b, features[2])
    roles = ClientRoles.ClientRolesEnd(b)
    r = b.CreateString(realm)
    Hello.HelloStart(b)
    Hello.HelloAddRoles(b, roles)
    Hello.HelloAddRealm(b, r)
    return finish(b, 1, Hello.HelloEnd(b))


def build_subscribe(request, topic):
    b = flatbuffers.Builder(128)
    t = b.CreateString(topic)
    Subscribe.SubscribeStart(b)
    Subscribe.SubscribeAddRequest(b, request)
    Subscribe.SubscribeAddTopic(b, t)
    return finish(b, 32, Subscribe.SubscribeEnd(b))


def build_call(request, procedure, args, kwargs):
    b = flatbuffers.Builder(256)
    p = b.CreateString(procedure)
    a = b.CreateByteVector(cbor2.dumps(args))
    k = b.CreateByteVector(cbor2.dumps(kwargs))
    b.StartObject(15)  # Autobahn's 13 Call fields + args, kwargs (our schema)
    Call.CallAddRequest(b, request)
    Call.CallAddProcedure(b, p)
    b.PrependUOffsetTRelativeSlot(13, a, 0)
    b.PrependUOffsetTRelativeSlot(14, k, 0)
    return finish(b, 48, b.EndObject())


def build_goodbye(reason):
    b = flatbuffers.Builder(128)
    r = b.CreateString(reason)
    Goodbye.GoodbyeStart(b)
    Goodbye.GoodbyeAddReason(b, r)
    return finish(b, 6, Goodbye.GoodbyeEnd(b))


def coverage():
    """Which messages Autobahn's own FlatBuffers serializer can write."""
    samples = {
        "HELLO": message.Hello("realm1", {"caller": role.RoleCallerFeatures()}),
        "SUBSCRIBE": message.Subscribe(1, "a.b"),
        "PUBLISH": message.Publish(1, "a.b", args=[1]),
        "EVENT": message.Event(1, 2, args=[1]),
        "CALL": message.Call(1, "a.b", args=[1]),
        "REGISTER": message.Register(1, "a.b"),
        "YIELD": message.Yield(1, args=[1]),
        "GOODBYE": message.Goodbye(),
    }
    can = {}
    for name, m in samples.items():
        try:
            data, _ = SER.serialize(m)
            back = SER.unserialize(data)[0]
            can[name] = type(back).__name__ == type(m).__name__
        except NotImplementedError:
            can[name] = False
    return can


class Peer(WebSocketClientProtocol):
    def onConnect(self, response):
        self.inbox = asyncio.Queue()

    def onMessage(self, payload, isBinary):
        self.inbox.put_nowait((payload, isBinary))

    async def recv(self, want_type):
        """The next message of want_type (others are kept back in order)."""
        held = []
        try:
            while True:
                data, binary = await asyncio.wait_for(self.inbox.get(), 10)
                if not binary:
                    raise Exception("text message on wamp.2.flatbuffers")
                t, tab = open_msg(data)
                if t == want_type:
                    return data, tab
                held.append((data, binary))
        finally:
            for h in held:
                self.inbox.put_nowait(h)

    async def onOpen(self):
        try:
            await self.script()
        except Exception:
            report("exception", False, traceback.format_exc())
        report("end", True)
        self.sendClose()

    async def script(self):
        report("subprotocol", self.websocket_protocol_in_use == "wamp.2.flatbuffers",
               self.websocket_protocol_in_use, "wamp.2.flatbuffers")
        report("coverage", True, coverage())

        self.sendMessage(build_hello(cfg["realm"]), isBinary=True)
        _, tab = await self.recv(2)
        w = as_table(Welcome.Welcome, tab)
        roles = w.Roles()
        report("join", w.Session() > 0 and roles is not None and roles.Broker() is not None and roles.Dealer() is not None,
               {"session": w.Session()})

        self.sendMessage(build_subscribe(1, "py.fb.topic"), isBinary=True)
        _, tab = await self.recv(33)
        sub = as_table(Subscribed.Subscribed, tab)
        report("subscribe", sub.Request() == 1 and sub.Subscription() > 0, sub.Request())

        # PUBLISH written by Autobahn's serializer; our router echoes the
        # EVENT back to us (exclude_me=False); Autobahn's serializer reads it.
        pub = message.Publish(2, "py.fb.topic", args=ARGS, kwargs=KWARGS, acknowledge=True, exclude_me=False)
        data, _ = SER.serialize(pub)
        self.sendMessage(data, isBinary=True)
        _, tab = await self.recv(17)
        p = as_table(Published.Published, tab)
        report("published", p.Request() == 2 and p.Publication() > 0, p.Request())
        data, _ = await self.recv(36)
        ev = SER.unserialize(data, True)[0]
        report("publish_self_event", isinstance(ev, message.Event) and ev.args == ARGS and ev.kwargs == KWARGS,
               [ev.args, ev.kwargs], [ARGS, KWARGS])

        # To the Go JSON subscriber.
        data, _ = SER.serialize(message.Publish(3, "go.topic", args=ARGS, kwargs=KWARGS, acknowledge=True))
        self.sendMessage(data, isBinary=True)
        _, tab = await self.recv(17)
        report("publish_go", as_table(Published.Published, tab).Request() == 3)

        # A Go JSON session publishes to our topic (go.publish), read by
        # Autobahn's serializer.
        self.sendMessage(build_call(4, "go.publish", ["from go", BYTES], {"k": 1}), isBinary=True)
        await self.recv(50)
        data, _ = await self.recv(36)
        ev = SER.unserialize(data, True)[0]
        report("event_from_go", ev.args == ["from go", BYTES] and ev.kwargs == {"k": 1},
               [ev.args, ev.kwargs], [["from go", BYTES], {"k": 1}])

        # CALL a Go callee (JSON) and read RESULT.
        self.sendMessage(build_call(5, "go.echo", ARGS, KWARGS), isBinary=True)
        _, tab = await self.recv(50)
        res = as_table(Result.Result, tab)
        args, kwargs = vector_slot(tab, 10), vector_slot(tab, 11)
        got = [cbor2.loads(args) if args else None, cbor2.loads(kwargs) if kwargs else None]
        report("call_echo", res.Request() == 5 and got == [ARGS, KWARGS], got, [ARGS, KWARGS])

        self.sendMessage(build_call(6, "go.nope", [], {}), isBinary=True)
        _, tab = await self.recv(8)
        err = as_table(Error.Error, tab)
        report("call_error", err.Request() == 6 and err.RequestType() == 48 and
               err.Error() == b"wamp.error.no_such_procedure", [err.RequestType(), err.Request(), err.Error().decode()])

        self.sendMessage(build_goodbye("wamp.close.normal"), isBinary=True)
        _, tab = await self.recv(6)
        g = as_table(Goodbye.Goodbye, tab)
        report("goodbye", g.Reason() == b"wamp.close.goodbye_and_out", g.Reason().decode())


def main():
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    txaio.config.loop = loop
    factory = WebSocketClientFactory(cfg["url"], protocols=["wamp.2.flatbuffers"])
    factory.protocol = Peer
    host, port = factory.host, factory.port
    transport, proto = loop.run_until_complete(loop.create_connection(factory, host, port))
    done = loop.create_future()
    orig = proto.onClose

    def on_close(*a):
        orig(*a)
        if not done.done():
            done.set_result(None)
    proto.onClose = on_close
    loop.run_until_complete(asyncio.wait_for(done, 60))
    transport.close()
    loop.close()


main()
