"""Draw the home-screen icons of the web app manifest (no image library needed).

A white 3×3 grid (网格) on the accent red of the top bar. `any` icons have rounded corners on a
transparent ground; the `maskable` one fills the square and keeps the grid inside the safe zone
(the inner 80 %), as the launcher may cut it to a circle.

    .venv/bin/python scripts/make_icons.py   # rewrites wangge/static/wangge/icons/*.png
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "wangge" / "static" / "wangge" / "icons"
RED = (0xB4, 0x23, 0x2A, 0xFF)
WHITE = (0xFF, 0xFF, 0xFF, 0xFF)
CLEAR = (0, 0, 0, 0)


def _png(size: int, pixel) -> bytes:
    rows = bytearray()
    for y in range(size):
        rows.append(0)  # filter: none
        for x in range(size):
            rows.extend(pixel(x, y))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(rows), 9))
        + chunk(b"IEND", b"")
    )


def icon(size: int, maskable: bool) -> bytes:
    radius = 0 if maskable else size * 0.18
    inner = 0.5 if maskable else 0.62  # the grid's side, as a share of the icon
    side = size * inner
    left = (size - side) / 2
    stroke = max(2.0, size * (0.035 if maskable else 0.045))
    cell = side / 3

    def in_rounded(x: float, y: float) -> bool:
        if radius == 0:
            return True
        cx = min(max(x, radius), size - radius)
        cy = min(max(y, radius), size - radius)
        return (x - cx) ** 2 + (y - cy) ** 2 <= radius**2

    def on_grid(x: float, y: float) -> bool:
        if not (
            left - stroke / 2 <= x <= left + side + stroke / 2
            and left - stroke / 2 <= y <= left + side + stroke / 2
        ):
            return False
        for k in range(4):
            line = left + k * cell
            if abs(x - line) <= stroke / 2 or abs(y - line) <= stroke / 2:
                return True
        return False

    def pixel(x: int, y: int):
        px, py = x + 0.5, y + 0.5
        if not in_rounded(px, py):
            return CLEAR
        return WHITE if on_grid(px, py) else RED

    return _png(size, pixel)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for size in (192, 512):
        (OUT / f"icon-{size}.png").write_bytes(icon(size, maskable=False))
    (OUT / "icon-maskable-512.png").write_bytes(icon(512, maskable=True))
    (OUT / "apple-touch-icon.png").write_bytes(icon(180, maskable=True))


if __name__ == "__main__":
    main()
