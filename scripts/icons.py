#!/usr/bin/env python3
"""Draws wschat's app icons (web/icons/*.png) with the standard library only: a speech bubble
on the brand colour, anti-aliased by supersampling. Run it again to redraw them."""
import math
import struct
import zlib
from pathlib import Path

BRAND = (26, 95, 180)  # --accent of style/main.css (#1a5fb4)
WHITE = (255, 255, 255)


def inside_rounded(x, y, x0, y0, x1, y1, r):
    cx = min(max(x, x0 + r), x1 - r)
    cy = min(max(y, y0 + r), y1 - r)
    return (x - cx) ** 2 + (y - cy) ** 2 <= r * r and x0 <= x <= x1 and y0 <= y <= y1


def in_triangle(x, y, a, b, c):
    def side(p, q):
        return (x - q[0]) * (p[1] - q[1]) - (p[0] - q[0]) * (y - q[1])
    d1, d2, d3 = side(a, b), side(b, c), side(c, a)
    return not ((d1 < 0 or d2 < 0 or d3 < 0) and (d1 > 0 or d2 > 0 or d3 > 0))


def colour_at(u, v, maskable):
    """The icon at (u, v) in 0..1: the background, the bubble, its three dots."""
    # A maskable icon keeps what matters in the middle 80% (the safe zone) and fills the rest.
    scale = 0.62 if maskable else 0.78
    x, y = (u - 0.5) / scale + 0.5, (v - 0.5) / scale + 0.5
    background = maskable or inside_rounded(u, v, 0.0, 0.0, 1.0, 1.0, 0.22)
    if not background:
        return None
    bubble = inside_rounded(x, y, 0.08, 0.14, 0.92, 0.72, 0.16) or in_triangle(
        x, y, (0.24, 0.66), (0.46, 0.66), (0.2, 0.88))
    if bubble:
        for dot in (0.3, 0.5, 0.7):
            if (x - dot) ** 2 + (y - 0.43) ** 2 <= 0.065 ** 2:
                return BRAND
        return WHITE
    return BRAND


def draw(size, maskable):
    n = 4  # samples per pixel side
    rows = []
    for py in range(size):
        row = bytearray([0])
        for px in range(size):
            acc = [0, 0, 0, 0]
            for sy in range(n):
                for sx in range(n):
                    c = colour_at((px + (sx + 0.5) / n) / size, (py + (sy + 0.5) / n) / size, maskable)
                    if c is not None:
                        acc[0] += c[0]; acc[1] += c[1]; acc[2] += c[2]; acc[3] += 255
            k = n * n
            alpha = acc[3] // k
            covered = max(acc[3] // 255, 1)
            row += bytes([acc[0] // covered, acc[1] // covered, acc[2] // covered, alpha])
        rows.append(bytes(row))
    raw = b"".join(rows)

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


if __name__ == "__main__":
    out = Path(__file__).resolve().parent.parent / "web" / "icons"
    out.mkdir(parents=True, exist_ok=True)
    for name, size, maskable in (("icon-192.png", 192, False), ("icon-512.png", 512, False), ("icon-maskable-512.png", 512, True)):
        (out / name).write_bytes(draw(size, maskable))
        print(name, size)
