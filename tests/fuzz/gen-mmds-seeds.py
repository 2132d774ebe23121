#!/usr/bin/env python3
"""gen-mmds-seeds.py - write the seed corpus of fuzz_mmds_http.

Each seed is a mode byte (bit 7: V2, bit 6: imds_compat, bit 5: a JSON merge
patch ended by NUL comes first, low 5 bits: read size, 0 = all at once) and
the bytes of one guest connection; "@TOK@" stands for a live V2 token.
Run from anywhere; rewrites tests/fuzz/corpus/mmds_http/seed-*.
"""
import os

HERE = os.path.dirname(os.path.abspath(__file__))
V2, COMPAT, PATCH = 0x80, 0x40, 0x20

GET = b"GET /latest/meta-data/ HTTP/1.1\r\nHost: 169.254.169.254\r\n\r\n"
SEEDS = {
    "v1-listing": (0, GET),
    "v1-value-split": (3, b"GET /latest/meta-data/ami-id HTTP/1.1\r\nAccept: */*\r\n\r\n"),
    "v1-json": (0, b"GET http://169.254.169.254/latest HTTP/1.0\r\nAccept: application/json\r\n\r\n"),
    "v1-array": (0, b"GET /latest/meta-data/list/1/b HTTP/1.1\r\n\r\nGET /latest/meta-data/n HTTP/1.1\r\n\r\n"),
    "v1-escape": (0, b"GET /a~0b/c~1d HTTP/1.1\r\nConnection: close\r\n\r\n"),
    "v1-pipelined": (7, GET + GET + b"DELETE / HTTP/1.1\r\n\r\n" + GET),
    "v1-body": (0, b"GET / HTTP/1.1\r\nContent-Length: 4\r\n\r\nbodyGET / HTTP/1.1\r\n\r\n"),
    "v2-session": (V2, b"PUT /latest/api/token HTTP/1.1\r\nX-metadata-token-ttl-seconds: 21600\r\n\r\n"
                   b"GET /latest/meta-data/ HTTP/1.1\r\nX-metadata-token: @TOK@\r\n\r\n"),
    "v2-aws-headers": (V2 | 5, b"PUT /latest/api/token HTTP/1.1\r\nX-aws-ec2-metadata-token-ttl-seconds: 1\r\n\r\n"
                       b"GET /latest/meta-data/net/ip HTTP/1.1\r\nX-aws-ec2-metadata-token: @TOK@\r\n\r\n"),
    "v2-no-token": (V2, GET),
    "v2-bad-ttl": (V2, b"PUT /latest/api/token HTTP/1.1\r\nX-metadata-token-ttl-seconds: 99999999999\r\n\r\n"
                   b"PUT /latest/api/token HTTP/1.1\r\nX-Forwarded-For: 1.1.1.1\r\n\r\n"),
    "compat": (COMPAT | V2, b"GET /latest/meta-data/net HTTP/1.1\r\nAccept: application/json\r\n"
               b"X-metadata-token: @TOK@\r\n\r\n"),
    "patch": (PATCH, b'{"latest":{"meta-data":{"ami-id":null,"new":{"x":"y"}}},"z":[1]}\0' + GET),
    "bad-version": (0, b"GET / HTTP/2\r\n\r\n"),
    "bad-header": (0, b"GET / HTTP/1.1\r\nBad Header\r\n\r\n"),
    "chunked": (0, b"GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"),
    "endless": (31, b"GET /" + b"a" * 5000),
}

out = os.path.join(HERE, "corpus", "mmds_http")
os.makedirs(out, exist_ok=True)
for name in os.listdir(out):
    if name.startswith("seed-"):
        os.unlink(os.path.join(out, name))
for name, (mode, data) in SEEDS.items():
    with open(os.path.join(out, "seed-" + name), "wb") as f:
        f.write(bytes([mode]) + data)
