#!/usr/bin/python3
"""Regenerates autobahn.json: WAMP messages serialized by Autobahn|Python's own
FlatBuffers serializer (Debian python3-autobahn 22.7.1), which implements
PUBLISH and EVENT only. Run with Debian's /usr/bin/python3:

    /usr/bin/python3 testdata/gen_autobahn.py > testdata/autobahn.json

Each sample holds the bytes (hex) and the message as Autobahn decodes them
again (a WAMP list, as its JSON serializer would write it).
"""
import binascii
import json
import sys

import txaio
txaio.use_asyncio()

import autobahn  # noqa: E402
from autobahn.wamp import message  # noqa: E402
from autobahn.wamp.serializer import FlatBuffersSerializer  # noqa: E402

ser = FlatBuffersSerializer()
samples = []


def add(name, msg):
    try:
        data, is_binary = ser.serialize(msg)
    except Exception as e:  # what Autobahn's FlatBuffers serializer cannot do
        samples.append({"name": name, "autobahn_error": "%s: %s" % (type(e).__name__, e)})
        return
    assert is_binary
    back = ser.unserialize(data)[0]
    assert type(back) is type(msg), name
    samples.append({
        "name": name,
        "hex": binascii.hexlify(data).decode(),
        # the decoded message as a WAMP list; bytes as {"hex": ...}
        "wamp": json.loads(json.dumps(back.marshal(), default=lambda b: {"hex": binascii.hexlify(bytes(b)).decode()})),
    })


add("publish_args", message.Publish(1, "com.example.topic", args=[1, "hello", True, 2.5, None]))
add("publish_args_kwargs", message.Publish(2, "com.example.topic", args=["Alice", 30], kwargs={"role": "admin", "n": -7, "l": [1, {"x": b"\x00\x01"}]}))
add("publish_kwargs_only", message.Publish(3, "com.example.topic", kwargs={"a": 1}))
add("publish_options", message.Publish(4, "com.example.topic", args=[1], acknowledge=True, exclude_me=False,
                                       exclude=[11, 12], eligible=[13], retain=True))
add("publish_signal", message.Publish(5, "com.example.signal"))
add("publish_bytes", message.Publish(6, "com.example.bin", args=[b"\x00\xff\x10"]))
add("publish_passthru", message.Publish(7, "com.example.e2e", payload=b"\x01\x02\x03", enc_algo="cryptobox",
                                        enc_serializer="cbor"))
add("event_args", message.Event(100, 200, args=[1, "hello"], kwargs={"k": "v"}))
add("event_publisher", message.Event(100, 201, args=["x"], publisher=9007199254740991, publisher_authid="alice",
                                     publisher_authrole="user", topic="com.example.topic", retained=True))
add("event_passthru", message.Event(100, 202, payload=b"\xde\xad", enc_algo="cryptobox", enc_serializer="cbor"))

json.dump({"generator": "testdata/gen_autobahn.py", "autobahn": autobahn.__version__, "samples": samples},
          sys.stdout, indent=1, sort_keys=True)
sys.stdout.write("\n")
