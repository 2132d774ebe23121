#!/usr/bin/env python3
"""gen-seeds.py - write the seed corpora of tests/fuzz (layout: fuzz_common.h).

Each seed is: flags byte, queue-size exponent byte, then guest RAM from
address 0: descriptor table at 0x0, avail ring at 0x100, used ring at 0x200,
request headers and buffers from 0x1000. Run from anywhere; rewrites
tests/fuzz/corpus/{virtqueue,blk_req}/seed-*.
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
NEXT, WRITE, INDIRECT = 1, 2, 4


def image(flags, size_exp, descs, heads, extra=None, ram=0x2000):
    mem = bytearray(ram)
    for i, (addr, length, fl, nxt) in enumerate(descs):
        struct.pack_into("<QIHH", mem, 16 * i, addr, length, fl, nxt)
    struct.pack_into("<HH", mem, 0x100, 0, len(heads))
    for i, h in enumerate(heads):
        struct.pack_into("<H", mem, 0x104 + 2 * i, h)
    for addr, blob in (extra or {}).items():
        mem[addr:addr + len(blob)] = blob
    return bytes([flags, size_exp]) + bytes(mem)


def blk_hdr(kind, sector):
    return struct.pack("<IIQ", kind, 0, sector)


def write(kind, name, blob):
    d = os.path.join(HERE, "corpus", kind)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(blob)


def main():
    # A read: header, two data buffers, status.
    read = [(0x1000, 16, NEXT, 1), (0x1100, 512, NEXT | WRITE, 2),
            (0x1300, 512, NEXT | WRITE, 3), (0x1500, 1, WRITE, 0)]
    write("virtqueue", "direct", image(1, 4, read, [0]))
    write("blk_req", "read", image(1, 4, read, [0], {0x1000: blk_hdr(0, 8)}))
    # A write and a flush, then GET_ID, as separate chains.
    chains = [(0x1000, 16, NEXT, 1), (0x1100, 1024, NEXT, 2), (0x1600, 1, WRITE, 0),
              (0x1010, 16, NEXT, 4), (0x1601, 1, WRITE, 0),
              (0x1020, 16, NEXT, 6), (0x1700, 20, NEXT | WRITE, 7), (0x1602, 1, WRITE, 0)]
    hdrs = blk_hdr(1, 0) + blk_hdr(4, 0) + blk_hdr(8, 0)
    write("virtqueue", "three", image(0, 3, chains, [0, 3, 5]))
    write("blk_req", "write-flush-id", image(0, 3, chains, [0, 3, 5], {0x1000: hdrs}))
    # An indirect table of three descriptors at 0x800.
    table = b"".join(struct.pack("<QIHH", *d) for d in
                     [(0x1000, 16, NEXT, 1), (0x1100, 4096, NEXT | WRITE, 2),
                      (0x1500, 1, WRITE, 0)])
    ind = [(0x800, 48, INDIRECT, 0)]
    write("virtqueue", "indirect", image(3, 4, ind, [0], {0x800: table}))
    write("blk_req", "indirect", image(3, 4, ind, [0], {0x800: table, 0x1000: blk_hdr(0, 2)}))
    # Malformed: a loop, and a next index out of range.
    bad = [(0x1000, 16, NEXT, 1), (0x1100, 8, NEXT, 0), (0x1000, 16, NEXT, 200)]
    write("virtqueue", "malformed", image(0, 4, bad, [0, 2]))


if __name__ == "__main__":
    main()
