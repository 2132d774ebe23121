#!/usr/bin/env python3
"""Seed corpora for fuzz_mmio, fuzz_net and fuzz_balloon (formats in the targets' headers).

    tests/fuzz/gen-dev-seeds.py   writes tests/fuzz/corpus/{mmio,net,balloon}/seed-*
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))

# virtio-mmio registers and status bits (virtio 1.2, 4.2.2).
DEV_FEAT, DEV_FEAT_SEL, DRV_FEAT, DRV_FEAT_SEL = 0x10, 0x14, 0x20, 0x24
Q_SEL, Q_NUM_MAX, Q_NUM, Q_READY, Q_NOTIFY = 0x30, 0x34, 0x38, 0x44, 0x50
ISR, ACK, STATUS = 0x60, 0x64, 0x70
Q_DESC, Q_DRIVER, Q_DEVICE, GEN = 0x80, 0x90, 0xa0, 0xfc
F_EVENT_IDX, F_INDIRECT = 1 << 29, 1 << 28
WRITE, READ, POKE, LOOP, NOTIFY = 0, 1, 2, 3, 4
D_NEXT, D_WRITE, D_INDIRECT = 1, 2, 4


def op(kind, off=0, val=0, width=0):
    return struct.pack('<BHBI', kind, off, width, val & 0xffffffff)


def ram(size, *pieces):
    b = bytearray(size)
    for addr, data in pieces:
        b[addr:addr + len(data)] = data
    return bytes(b)


def descs(*d):
    return b''.join(struct.pack('<QIHH', a, l, f, n) for a, l, f, n in d)


def avail(*heads):
    return struct.pack('<HH', 0, len(heads)) + b''.join(struct.pack('<H', h) for h in heads)


def init_ops(queues, qsize=16, feat_low=F_EVENT_IDX | F_INDIRECT):
    ops = [op(WRITE, STATUS, 1), op(WRITE, STATUS, 3), op(WRITE, DEV_FEAT_SEL, 1),
           op(READ, DEV_FEAT), op(WRITE, DRV_FEAT_SEL, 0), op(WRITE, DRV_FEAT, feat_low),
           op(WRITE, DRV_FEAT_SEL, 1), op(WRITE, DRV_FEAT, 1), op(WRITE, STATUS, 11),
           op(READ, STATUS)]
    for q, (desc, drv, dev) in enumerate(queues):
        ops += [op(WRITE, Q_SEL, q), op(READ, Q_NUM_MAX), op(WRITE, Q_NUM, qsize),
                op(WRITE, Q_DESC, desc), op(WRITE, Q_DESC + 4, 0), op(WRITE, Q_DRIVER, drv),
                op(WRITE, Q_DEVICE, dev), op(WRITE, Q_READY, 1)]
    return ops + [op(WRITE, STATUS, 15)]


def mmio_seed(kind, ops, memory):
    assert len(ops) < 256
    return bytes([kind, len(ops)]) + b''.join(ops) + memory


def blk_ram():
    # A read of sector 1 into 512 bytes, and a write from them (two chains).
    hdr_in = struct.pack('<IIQ', 0, 0, 1)
    hdr_out = struct.pack('<IIQ', 1, 0, 2)
    return ram(0x900,
               (0x100, descs((0x400, 16, D_NEXT, 1), (0x600, 512, D_NEXT | D_WRITE, 2),
                             (0x800, 1, D_WRITE, 0),
                             (0x410, 16, D_NEXT, 4), (0x600, 512, D_NEXT, 5),
                             (0x801, 1, D_WRITE, 0))),
               (0x200, avail(0, 3)), (0x400, hdr_in), (0x410, hdr_out))


def mmio_seeds():
    q = [(0x100, 0x200, 0x300)]
    run = [op(NOTIFY, 0, 0), op(LOOP), op(READ, ISR), op(WRITE, ACK, 1), op(READ, GEN)]
    cfg = [op(READ, 0x100 + o, 0, w) for o, w in ((0, 0), (0, 3), (3, 1), (5, 2), (20, 0),
                                                   (24, 0), (0xf00, 0))]
    odd = [op(WRITE, 0x72, 0, 1), op(READ, 0x71, 0, 2), op(WRITE, STATUS, 0, 3),
           op(READ, 0x1000 - 4)]
    live = [op(WRITE, Q_SEL, 0), op(WRITE, Q_NUM, 256), op(WRITE, Q_DESC, 0xfff0),
            op(WRITE, Q_READY, 0), op(NOTIFY, 0, 0)]
    reset = [op(NOTIFY, 0, 0), op(WRITE, STATUS, 0), op(LOOP)] + init_ops(q) + run
    poke = [op(POKE, 0x202 // 16, 0), op(NOTIFY, 0, 0), op(POKE, 0x100 // 16, 0x100)]
    yield 'blk-sync', mmio_seed(0, init_ops(q) + run + cfg, blk_ram())
    yield 'blk-async', mmio_seed(1, init_ops(q) + run + [op(LOOP)], blk_ram())
    yield 'blk-async-reset-inflight', mmio_seed(1, init_ops(q) + reset, blk_ram())
    yield 'blk-live-queue-setup', mmio_seed(0, init_ops(q) + live + run + poke, blk_ram())
    yield 'blk-odd-widths', mmio_seed(0, odd + init_ops(q) + odd + cfg, blk_ram())
    yield 'blk-no-features', mmio_seed(0, init_ops(q, 4, 0) + run, blk_ram())
    # Network: receive queue 0, transmit queue 1.
    nq = [(0x100, 0x200, 0x300), (0x500, 0x600, 0x700)]
    mem = ram(0x1000,
              (0x100, descs((0x800, 1526, D_WRITE, 0), (0x800, 64, D_WRITE, 0))),
              (0x200, avail(0, 1)),
              (0x500, descs((0xe00, 12, D_NEXT, 1), (0xe10, 60, 0, 0))),
              (0x600, avail(0)),
              (0xe10, bytes(range(60))))
    frame = (0xe00 << 16) | 72
    yield 'net', mmio_seed(2, init_ops(nq, 16) + [op(NOTIFY, 0, 1), op(LOOP, 0, frame),
                                                 op(NOTIFY, 0, 0), op(READ, ISR),
                                                 op(WRITE, STATUS, 0), op(LOOP, 0, frame)] + cfg,
                           mem)


def net_cmd(kind, a=0, b=0):
    return struct.pack('<BHH', kind, a, b)


def net_seed(feat, sizes, cmds, memory):
    return bytes([feat, sizes, len(cmds)]) + b''.join(cmds) + memory


def net_seeds():
    FRAME, RX_NOTIFY, TX_NOTIFY, DRAIN, RESET = 0, 1, 2, 3, 4
    rx = (0x0000, descs(*[(0x4000 + i * 0x400, 0x400, D_WRITE, 0) for i in range(4)]))
    rx_avail = (0x1000, avail(0, 1, 2, 3))
    tx = (0x2000, descs((0x5000, 12, D_NEXT, 1), (0x5010, 64, 0, 0),
                        (0x5100, 32, D_INDIRECT, 0)))
    tx_avail = (0x3000, avail(0, 2))
    ind = (0x5100, descs((0x5000, 12, D_NEXT, 1), (0x5010, 64, 0, 0)))
    payload = (0x5010, bytes((i * 7) & 0xff for i in range(64)))
    mem = ram(0x5200, rx, rx_avail, tx, tx_avail, ind, payload)
    traffic = [net_cmd(FRAME, 0x5000, 76), net_cmd(FRAME, 0x5000, 3000), net_cmd(FRAME, 0, 5),
               net_cmd(RX_NOTIFY), net_cmd(TX_NOTIFY), net_cmd(DRAIN)]
    yield 'all-features', net_seed(0x1f, 0x22, traffic + [net_cmd(RESET)] + traffic, mem)
    yield 'no-mrg', net_seed(0x03, 0x22, traffic, mem)
    yield 'plain', net_seed(0x00, 0x22, traffic, mem)
    yield 'tiny-queues', net_seed(0x05, 0x00, traffic + traffic, mem)
    yield 'backpressure', net_seed(0x07, 0x22, [net_cmd(FRAME, 0x5000, 1500)] * 8 +
                                   [net_cmd(RX_NOTIFY), net_cmd(RESET), net_cmd(RX_NOTIFY)], mem)


def balloon_seeds():
    """Queue q at q * 0x2000; buffers from 0x9000 (past the last queue's rings)."""
    INFLATE, DEFLATE, Q2, Q3, Q4, TICK, HSTART, HSTOP, RESET = range(9)
    pfns = struct.pack('<6I', 9, 10, 11, 0xffffffff, 0xf, 0x100000)
    stats = b''.join(struct.pack('<HQ', t, v) for t, v in ((4, 1 << 20), (5, 1 << 26), (99, 1)))
    rings = []
    for q, (addr, ln, fl) in enumerate([(0xa000, len(pfns), 0), (0xa000, 8, 0),
                                         (0xa100, len(stats), 0), (0xa200, 4, 0),
                                         (0xc000, 0x2000, D_WRITE)]):
        rings.append((q * 0x2000, descs((addr, ln, fl, 0), (0xe000, 0x1000, D_WRITE, 0))))
        rings.append((q * 0x2000 + 0x1000, avail(0, 1)))
    mem = ram(0xf000, *rings, (0xa000, pfns), (0xa100, stats), (0xa200, struct.pack('<I', 2)))
    cmds = [net_cmd(HSTART, 1), net_cmd(INFLATE), net_cmd(DEFLATE), net_cmd(Q2), net_cmd(TICK),
            net_cmd(Q3), net_cmd(Q4), net_cmd(HSTOP, 64), net_cmd(RESET), net_cmd(INFLATE)]
    yield 'all-features', net_seed(0x0f, 0x04, cmds, mem)
    yield 'basic', net_seed(0x00, 0x04, cmds, mem)
    yield 'stats-only', net_seed(0x03, 0x01, cmds + [net_cmd(Q2), net_cmd(TICK)], mem)
    yield 'reporting-only', net_seed(0x08, 0x04, cmds, mem)


def write(sub, seeds):
    d = os.path.join(HERE, 'corpus', sub)
    os.makedirs(d, exist_ok=True)
    for name, data in seeds:
        with open(os.path.join(d, 'seed-' + name), 'wb') as f:
            f.write(data)


if __name__ == '__main__':
    write('mmio', mmio_seeds())
    write('net', net_seeds())
    write('balloon', balloon_seeds())
