"""Autobahn|Python across a natsfabric cluster (python_test.go).

    python3 fabric_peer.py ws://127.0.0.1:PORT/ws json|msgpack|cbor

Joins realm1 on the router given (router A). It registers
com.example.py.echo (returns its arguments and kwargs with
kwargs["from"] = "python"; with the argument "fail" it raises
com.example.error.oops) and subscribes to com.example.go.news, then prints
"ready". The Go side, on another router, calls the procedure and
publishes. Meanwhile this side calls com.example.go.add2 (a Go callee on
the other router: 2 + 3, then "two" + 3, which must fail with
wamp.error.invalid_argument) and publishes to com.example.py.news with
acknowledge. It prints one line per step ("add2: 5", "add2 error: URI",
"published", "event: ARGS", "echo called: ARGS") and "done" once it has
the Go side's event and call, then leaves and exits 0; 1 on any failure
or after the watchdog's 30 s.
"""
import asyncio
import sys

import txaio
txaio.use_asyncio()

from autobahn.asyncio.wamp import ApplicationRunner, ApplicationSession
from autobahn.wamp.exception import ApplicationError
from autobahn.wamp.types import CallResult, PublishOptions

URL = sys.argv[1]
SERIALIZER = sys.argv[2] if len(sys.argv) > 2 else "json"
failed = []
done = False


def say(*args):
    print(*args, flush=True)


class Peer(ApplicationSession):
    async def onJoin(self, details):
        try:
            await self.run()
        except Exception as e:  # the failure is the output
            say("failed:", repr(e))
            failed.append(repr(e))
        global done
        done = True
        self.leave()

    async def run(self):
        loop = asyncio.get_event_loop()
        got_event = loop.create_future()
        got_call = loop.create_future()

        def echo(*args, **kwargs):
            say("echo called:", list(args))
            if args and args[0] == "fail":
                raise ApplicationError("com.example.error.oops", "asked to fail")
            if not got_call.done():
                got_call.set_result(True)
            kwargs["from"] = "python"
            return CallResult(*args, **kwargs)

        def on_news(*args, **kwargs):
            say("event:", list(args))
            if not got_event.done():
                got_event.set_result(list(args))

        await self.register(echo, "com.example.py.echo")
        await self.subscribe(on_news, "com.example.go.news")
        say("ready")

        # The Go callee is on the other router: this router knows of it
        # once that router's announcement arrived.
        for _ in range(500):
            try:
                total = await self.call("com.example.go.add2", 2, 3)
                break
            except ApplicationError as e:
                if e.error != "wamp.error.no_such_procedure":
                    raise
                await asyncio.sleep(0.02)
        else:
            raise RuntimeError("com.example.go.add2 never registered")
        say("add2:", total)
        if total != 5:
            failed.append("add2")
        try:
            await self.call("com.example.go.add2", "two", 3)
            failed.append("add2 with a string did not fail")
        except ApplicationError as e:
            say("add2 error:", e.error)
        await self.publish("com.example.py.news", "from python", 7,
                           options=PublishOptions(acknowledge=True))
        say("published")
        await asyncio.wait_for(asyncio.gather(got_event, got_call), 20)
        say("done")

    def onDisconnect(self):
        asyncio.get_event_loop().stop()


def make_serializer(name):
    from autobahn.wamp import serializer
    return {"json": serializer.JsonSerializer,
            "msgpack": serializer.MsgPackSerializer,
            "cbor": serializer.CBORSerializer}[name]()


if __name__ == "__main__":
    # Python 3.10+ has no implicit event loop: make one for the runner.
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    txaio.config.loop = loop
    loop.call_later(30, loop.stop)  # a watchdog: never hang
    runner = ApplicationRunner(URL, "realm1", serializers=[make_serializer(SERIALIZER)])
    runner.run(Peer)
    if not done:
        say("failed: did not join and finish")
    sys.exit(0 if done and not failed else 1)
