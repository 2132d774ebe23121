#!/usr/bin/env python3
"""Seed corpus for fuzz_vsock (format in tests/fuzz/fuzz_vsock.c).

    tests/fuzz/gen-vsock-seeds.py   writes tests/fuzz/corpus/vsock/seed-*
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
RAM = 0x8000  # the rings and buffers fit below; the rest reads as zeros
CID, HOST = 3, 2
REQUEST, RESPONSE, RST, SHUTDOWN, RW, CREDIT_UPDATE, CREDIT_REQUEST = range(1, 8)
D_NEXT, D_WRITE = 1, 2
TX_NOTIFY, RX_NOTIFY, HOST_WRITE, HOST_CLOSE, RESET = range(5)


def hdr(op, src_port, dst_port, length=0, flags=0, buf_alloc=65536, fwd_cnt=0,
        src_cid=CID, dst_cid=HOST, typ=1):
    return struct.pack('<QQIIIHHIII', src_cid, dst_cid, src_port, dst_port, length, typ, op,
                       flags, buf_alloc, fwd_cnt)


def cmd(kind, a=0, b=0):
    return struct.pack('<BHH', kind, a, b)


def image(tx_packets, rx_buffers=8, split=False):
    """Guest RAM: transmit chains at 0x6000 (one per packet, header and
    payload in one descriptor or split in two), receive buffers at 0x7000."""
    ram = bytearray(RAM)
    descs, heads, addr, d = [], [], 0x6000, 0
    for pkt in tx_packets:
        ram[addr:addr + len(pkt)] = pkt
        heads.append(d)
        if split and len(pkt) > 44:
            descs.append(struct.pack('<QIHH', addr, 44, D_NEXT, d + 1))
            descs.append(struct.pack('<QIHH', addr + 44, len(pkt) - 44, 0, 0))
            d += 2
        else:
            descs.append(struct.pack('<QIHH', addr, len(pkt), 0, 0))
            d += 1
        addr += (len(pkt) + 15) & ~15
    ram[0x2000:0x2000 + 16 * len(descs)] = b''.join(descs)
    ram[0x3000:0x3004 + 2 * len(heads)] = struct.pack('<HH', 0, len(heads)) + b''.join(
        struct.pack('<H', h) for h in heads)
    rx = [struct.pack('<QIHH', 0x7000 + i * 0x100, 0x100, D_WRITE, 0) for i in range(rx_buffers)]
    ram[0x0000:0x0000 + 16 * rx_buffers] = b''.join(rx)
    ram[0x1000:0x1004 + 2 * rx_buffers] = struct.pack('<HH', 0, rx_buffers) + b''.join(
        struct.pack('<H', i) for i in range(rx_buffers))
    return bytes(ram)


def seed(feat, sizes, cmds, ram):
    # Guest RAM starts zeroed: trailing zeros need not be stored.
    return bytes([feat, sizes, len(cmds)]) + b''.join(cmds) + ram.rstrip(b'\0')


SEEDS = {
    # A guest connection to host port 1: REQUEST, data, shutdown; the host
    # answers with bytes of its own.
    'connect-rw': seed(3, 0x55, [cmd(RX_NOTIFY), cmd(TX_NOTIFY), cmd(HOST_WRITE, 0x6000, 200),
                                 cmd(RX_NOTIFY), cmd(HOST_CLOSE, 0), cmd(RX_NOTIFY)],
                       image([hdr(REQUEST, 1000, 1), hdr(RW, 1000, 1, 5) + b'hello',
                              hdr(CREDIT_REQUEST, 1000, 1),
                              hdr(CREDIT_UPDATE, 1000, 1, fwd_cnt=100),
                              hdr(SHUTDOWN, 1000, 1, flags=3)])),
    # The same with header and payload in separate descriptors.
    'connect-split': seed(1, 0x44, [cmd(RX_NOTIFY), cmd(TX_NOTIFY), cmd(HOST_WRITE, 0, 64),
                                    cmd(RX_NOTIFY)],
                          image([hdr(REQUEST, 7, 1), hdr(RW, 7, 1, 100) + bytes(range(100)),
                                 hdr(RST, 7, 1)], split=True)),
    # Hostile headers: wrong CIDs, type, op, lengths beyond the chain.
    'bad-headers': seed(0, 0x33, [cmd(RX_NOTIFY), cmd(TX_NOTIFY), cmd(RESET), cmd(TX_NOTIFY)],
                        image([hdr(REQUEST, 1, 1, src_cid=4), hdr(REQUEST, 1, 1, dst_cid=3),
                               hdr(REQUEST, 1, 1, typ=2), hdr(99, 1, 1),
                               hdr(RW, 1, 1, length=1 << 20), hdr(RW, 1, 1, length=10) + b'x',
                               hdr(SHUTDOWN, 1, 1, flags=0), b'\x01' * 20])),
    # A guest connection to a port nobody listens on: RST.
    'refused': seed(0, 0x22, [cmd(RX_NOTIFY), cmd(TX_NOTIFY), cmd(RX_NOTIFY)],
                    image([hdr(REQUEST, 5, 4242)])),
    # Credit overrun: more RW than the host's buf_alloc allows.
    'overrun': seed(2, 0x88, [cmd(RX_NOTIFY), cmd(TX_NOTIFY), cmd(TX_NOTIFY)],
                    image([hdr(REQUEST, 9, 1)] + [hdr(RW, 9, 1, 1000) + b'z' * 1000] * 8)),
    # The raw-input parsers: a CONNECT line.
    'connect-line': b'CONNECT 1024',
}


def main():
    out = os.path.join(HERE, 'corpus', 'vsock')
    os.makedirs(out, exist_ok=True)
    for name, data in SEEDS.items():
        with open(os.path.join(out, 'seed-' + name), 'wb') as f:
            f.write(data)


if __name__ == '__main__':
    main()
