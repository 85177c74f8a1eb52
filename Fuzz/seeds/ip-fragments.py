#!/usr/bin/env python3
"""Writes the fuzz seed ip-fragments.pcap to the path given: a TCP handshake in IPv4 and one
in IPv6, each followed by a 600-byte segment that IP fragmentation split in three, sent out
of order with one fragment twice, so that the fuzzer starts from frames the reassembler
takes (FragmentReassembler). Made here, field by field; checksums are left 0."""
import struct
import sys


def tcp(sport, dport, seq, ack, flags, payload=0):
    return struct.pack(">HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0) + b"." * payload


def ipv4(src, dst, data, ident=0, offset=0, more=False):
    field = (offset // 8) | (0x2000 if more else 0)
    return struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(data), ident, field, 64, 6, 0, src, dst) + data


def ipv6(src, dst, data, fragment=None):
    if fragment is None:
        return struct.pack(">IHBB16s16s", 6 << 28, len(data), 6, 64, src, dst) + data
    ident, offset, more = fragment
    header = struct.pack(">BBHI", 6, 0, offset | (1 if more else 0), ident)
    return struct.pack(">IHBB16s16s", 6 << 28, 8 + len(data), 44, 64, src, dst) + header + data


def ethernet(packet, v6=False):
    return b"\0" * 12 + (b"\x86\xdd" if v6 else b"\x08\x00") + packet


def split(data, sizes):
    pieces, offset = [], 0
    for size in sizes:
        pieces.append((offset, data[offset:offset + size], offset + size < len(data)))
        offset += size
    return pieces


frames = []
a4, b4 = bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])
frames += [ethernet(ipv4(a4, b4, tcp(51000, 80, 100, 0, 0x02))),
           ethernet(ipv4(b4, a4, tcp(80, 51000, 7000, 101, 0x12))),
           ethernet(ipv4(a4, b4, tcp(51000, 80, 101, 7001, 0x10)))]
pieces = [ethernet(ipv4(b4, a4, data, ident=7, offset=offset, more=more))
          for offset, data, more in split(tcp(80, 51000, 7001, 101, 0x18, 600), [208, 208, 204])]
frames += [pieces[2], pieces[0], pieces[0], pieces[1], ethernet(ipv4(a4, b4, tcp(51000, 80, 101, 7601, 0x11)))]
a6, b6 = bytes.fromhex("20010db8000000000000000000000001"), bytes.fromhex("20010db8000000000000000000000002")
frames += [ethernet(ipv6(a6, b6, tcp(51000, 80, 100, 0, 0x02)), True),
           ethernet(ipv6(b6, a6, tcp(80, 51000, 7000, 101, 0x12)), True)]
pieces = [ethernet(ipv6(b6, a6, data, fragment=(9, offset, more)), True)
          for offset, data, more in split(tcp(80, 51000, 7001, 101, 0x18, 600), [208, 208, 204])]
frames += [pieces[1], pieces[2], pieces[0], ethernet(ipv6(a6, b6, tcp(51000, 80, 101, 7601, 0x14)), True)]

with open(sys.argv[1], "wb") as out:
    out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
    for index, frame in enumerate(frames):
        out.write(struct.pack("<IIII", 1700000000, index * 1000, len(frame), len(frame)) + frame)
