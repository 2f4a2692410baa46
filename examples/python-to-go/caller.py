"""Autobahn|Python calls the Go procedures of examples/python-to-go.

    python3 caller.py ws://127.0.0.1:8080/ws [json|msgpack|cbor]

It joins realm1, calls com.example.greet and com.example.add2, shows that
a call with a wrong argument type comes back as wamp.error.invalid_argument,
prints each result and exits 0 (1 when a call did not go as expected).
"""
import asyncio
import sys

import txaio
txaio.use_asyncio()

from autobahn.asyncio.wamp import ApplicationRunner, ApplicationSession
from autobahn.wamp.exception import ApplicationError

URL = sys.argv[1] if len(sys.argv) > 1 else "ws://127.0.0.1:8080/ws"
SERIALIZER = sys.argv[2] if len(sys.argv) > 2 else "json"
failed = []
done = False


class Caller(ApplicationSession):
    async def onJoin(self, details):
        try:
            greeting = await self.call("com.example.greet", "Python")
            print("greet:", greeting, flush=True)
            total = await self.call("com.example.add2", 2, 3)
            print("add2:", total, flush=True)
            if total != 5:
                failed.append("add2")
            try:
                await self.call("com.example.add2", "two", 3)
                failed.append("invalid_argument")
            except ApplicationError as e:
                print("add2 error:", e.error, flush=True)
        except Exception as e:  # the failure is the output
            print("failed:", repr(e), flush=True)
            failed.append(repr(e))
        global done
        done = True
        self.leave()

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
    loop.call_later(20, loop.stop)  # a watchdog: never hang
    runner = ApplicationRunner(URL, "realm1", serializers=[make_serializer(SERIALIZER)])
    runner.run(Caller)
    if not done:
        print("failed: did not join and finish the calls", flush=True)
    sys.exit(0 if done and not failed else 1)
