#!/usr/bin/env python3
"""Seed corpus for fuzz_mmds_net (the command format is in the target's header).

    tests/fuzz/gen-mmds-net-seeds.py   writes tests/fuzz/corpus/mmds_net/seed-*
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
FIN, SYN, RST, PSH, ACK = 1, 2, 4, 8, 16


def seg(port, flags, data=b'', wnd=0xffff, skew=0):
    return bytes([1, port]) + struct.pack('>BHBB', flags, wnd, skew, len(data)) + data


def take(n=50):
    return bytes([2, n])


def tick(n):
    return bytes([3, n])


def arp():
    return bytes([4, 0])


def raw(data, fix=False, partial=False):
    return bytes([0 | (8 if fix else 0) | (16 if partial else 0), len(data)]) + data


GET = b'GET /latest/meta-data/ HTTP/1.1\r\nHost: 169.254.169.254\r\n\r\n'


def handshake(port=0, wnd=0xffff):
    return seg(port, SYN, wnd=wnd) + take() + seg(port, ACK, wnd=wnd)


SEEDS = {
    'arp': arp() + take(),
    'get-fin': handshake() + seg(0, ACK | PSH, b'\x05' + GET[1:]) + take() + seg(0, ACK) +
    seg(0, ACK | FIN) + take() + seg(0, ACK),
    'get-small-window': handshake(1, 300) + seg(1, ACK | PSH, b'\x40' + GET[1:], 300) + take(3) +
    seg(1, ACK, wnd=0) + tick(20) + take() + seg(1, ACK, wnd=2000) + take(),
    'out-of-order': handshake(2) + seg(2, ACK | PSH, GET[10:], skew=10) + take() +
    seg(2, ACK | PSH, GET[:10]) + take(),
    'bad-request': handshake(3) + seg(3, ACK | PSH, b'X\r\n\r\n') + take() + seg(3, ACK | FIN) +
    take(),
    'syn-flood': b''.join(seg(p % 4, SYN, skew=p) for p in range(40)) + take(100),
    'rst-unknown': seg(0, ACK, b'hello') + seg(1, RST) + take(),
    'idle': handshake() + seg(0, ACK, b'GET / HT') + tick(255) + tick(255) + tick(255) + take(),
    'raw-fixed': raw(bytes(14) + bytes([0x45]) + bytes(19) + bytes([0, 80, 0, 80]) + bytes(16),
                     fix=True, partial=True) + take(),
}


def main():
    out = os.path.join(HERE, 'corpus', 'mmds_net')
    os.makedirs(out, exist_ok=True)
    for name, data in SEEDS.items():
        with open(os.path.join(out, 'seed-' + name), 'wb') as f:
            f.write(data)


if __name__ == '__main__':
    main()
