#!/usr/bin/env python3
"""Writes zlib_corpus.json.gz: messages compressed by zlib as permessage-deflate
peers do (RFC 7692 §7.2.1: raw DEFLATE, Z_SYNC_FLUSH, the 00 00 ff ff tail
stripped), for review16c_zlib_corpus_test.go.

Every level 0-9 and strategy at window bits 8 (compressed with 9, as zlib
refuses raw 8), 9 and 15; levels 0, 1, 6, 9 at 10-14; each with context
takeover (one compressobj for the whole sequence), and with the default
strategy also without (one per message). The data is generated here (seeded), so it is ours.
Regenerate: python3 zlib_corpus.py  (in this directory)."""
import base64
import gzip
import json
import random
import zlib

rng = random.Random(16)


def rand_bytes(n):
    return bytes(rng.getrandbits(8) for _ in range(n))


WORDS = ("the quick brown fox jumps over lazy dog permessage deflate window "
         "context takeover sync flush stored block huffman").split()


def text(n):
    out = []
    size = 0
    while size < n:
        w = rng.choice(WORDS)
        out.append(w)
        size += len(w) + 1
    return " ".join(out).encode()[:n]


def far_match(bits):
    """A head, a filler of other bytes, the head again: the repeat is
    max_dist back, the longest distance zlib uses with this window."""
    head = bytes(128 + rng.getrandbits(7) for _ in range(300))
    dist = (1 << bits) - 262  # zlib's MAX_DIST
    filler = (bytes(range(64)) * (dist // 64 + 1))[:dist - len(head)]
    return head + filler + head


def payloads(bits):
    first = text(2000)
    return [
        b"",
        b"Hello",
        first,
        b"",  # empty, mid-stream: a lone 0x00
        rand_bytes(300),
        b"abc" * 700,
        b"\x00" * 2000 + b"x" * 600,  # runs far longer than 258
        far_match(bits),
        first[500:1500],  # copies from the previous messages
        bytes(range(256)) * 3,
        b"",
    ]


STRATEGIES = {
    "default": zlib.Z_DEFAULT_STRATEGY,
    "filtered": zlib.Z_FILTERED,
    "huffman": zlib.Z_HUFFMAN_ONLY,
    "rle": zlib.Z_RLE,
    "fixed": zlib.Z_FIXED,
}


def compress(msgs, level, strategy, wbits, nct):
    out = []
    c = None
    for m in msgs:
        if c is None or nct:
            c = zlib.compressobj(level, zlib.DEFLATED, -wbits, 9, strategy)
        z = c.compress(m) + c.flush(zlib.Z_SYNC_FLUSH)
        if z.endswith(b"\x00\x00\xff\xff"):
            z = z[:-4]
        out.append(z)
    return out


def main():
    pool = []
    index = {}

    def ref(p):
        if p not in index:
            index[p] = len(pool)
            pool.append(base64.b64encode(p).decode())
        return index[p]

    streams = []
    for bits in range(8, 16):
        msgs = payloads(bits)
        full = bits in (8, 9, 15)
        for level in range(10) if full else (0, 1, 6, 9):
            for sname, strategy in STRATEGIES.items():
                if (level == 0 or not full) and sname != "default":
                    continue
                for nct in (False, True) if sname == "default" else (False,):
                    zs = compress(msgs, level, strategy, max(bits, 9), nct)
                    streams.append({
                        "bits": bits, "level": level, "strategy": sname, "nct": nct,
                        "msgs": [[ref(m), base64.b64encode(z).decode()] for m, z in zip(msgs, zs)],
                    })
    doc = {"zlib": zlib.ZLIB_RUNTIME_VERSION, "payloads": pool, "streams": streams}
    with gzip.GzipFile("zlib_corpus.json.gz", "wb", mtime=0) as f:
        f.write(json.dumps(doc, separators=(",", ":")).encode())


main()
