#!/usr/bin/env python3
"""Checks messages compressed by our permessage-deflate encoder with zlib's
raw inflate at the negotiated window: python3 zlib_check.py CORPUS.json
(written by TestReview16cZlibInflatesOurs). Each stream is
{"bits": 8-15, "nct": bool, "msgs": [[raw, compressed], ...]} in base64;
with context takeover one decompressobj(-bits) reads the whole sequence,
as a zlib peer that allocated a 1<<bits window does. zlib refuses a copy
from beyond its window at the start of a message; further on, its output
buffer lets a copy reach back further unnoticed, which the Go test's
reference inflater checks instead. Prints each mismatch
and exits 1 if there was one."""
import base64
import json
import sys
import zlib

bad = 0
streams = json.load(open(sys.argv[1]))
for n, s in enumerate(streams):
    d = None
    for i, (raw, z) in enumerate(s["msgs"]):
        raw, z = base64.b64decode(raw or ""), base64.b64decode(z or "")
        if d is None or s["nct"]:
            d = zlib.decompressobj(-s["bits"])
        try:
            got = d.decompress(z + b"\x00\x00\xff\xff")
            err = "" if got == raw else "got %d bytes, want %d" % (len(got), len(raw))
        except zlib.error as e:
            err = str(e)
        if err:
            bad += 1
            print("stream %d (bits %d nct %s) message %d: %s" % (n, s["bits"], s["nct"], i, err))
            break
print("zlib %s: %d streams, %d bad" % (zlib.ZLIB_RUNTIME_VERSION, len(streams), bad))
sys.exit(1 if bad else 0)
