"""Small charts as PNG bytes (standard library only): grouped bars of scores out of 4, for email and the site."""

from __future__ import annotations

import math
import struct
import zlib

BACKGROUND = (255, 255, 255)
GRID = (224, 224, 216)
AXIS = (150, 150, 150)
CAMPAIGN_SHADES = ((197, 202, 233), (121, 134, 203), (40, 53, 147))  # oldest (light) to latest (dark)
CAMPAIGN_HEX = tuple("#" + "".join(f"{channel:02x}" for channel in shade) for shade in CAMPAIGN_SHADES)


def png(width: int, height: int, palette: list[tuple[int, int, int]], pixels: bytearray) -> bytes:
    """An indexed-colour PNG (8 bits per pixel) from a row-major buffer of palette indices."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = b"".join(b"\x00" + bytes(pixels[y * width : (y + 1) * width]) for y in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 3, 0, 0, 0)
    return b"".join(
        (
            b"\x89PNG\r\n\x1a\n",
            chunk(b"IHDR", header),
            chunk(b"PLTE", b"".join(bytes(colour) for colour in palette)),
            chunk(b"IDAT", zlib.compress(rows, 9)),
            chunk(b"IEND", b""),
        )
    )


def grouped_bars(groups: list[list[float | None]], width: int = 560, height: int = 150, top: float = 4.0) -> bytes:
    """Grouped bars (one group per axis, one bar per campaign, oldest first) on a 0..`top` scale, as PNG.

    Gridlines mark each whole score; a missing score leaves its bar's place empty. The words (legend, axis
    names, values) belong in the surrounding HTML and the image's alt text, so the image holds none.
    """
    palette = [BACKGROUND, GRID, AXIS, *CAMPAIGN_SHADES]
    pixels = bytearray(width * height)
    margin, base = 6, height - 6
    scale = (base - margin) / top
    for level in range(1, int(top) + 1):
        _fill(pixels, width, 0, width, base - int(round(level * scale)), 1, 1)
    _fill(pixels, width, 0, width, base, 1, 2)
    slots = max(1, len(groups))
    slot = (width - 2 * margin) / slots
    most = max((len(group) for group in groups), default=1) or 1
    bar = max(2, int(slot * 0.8 / most))
    shades = len(CAMPAIGN_SHADES)
    for g, group in enumerate(groups):
        left = margin + g * slot + (slot - bar * len(group)) / 2
        for b, value in enumerate(group):
            if value is None or (isinstance(value, float) and math.isnan(value)):
                continue
            tall = int(round(max(0.0, min(top, float(value))) * scale))
            colour = 3 + (b + shades - len(group)) % shades  # the latest campaign always gets the darkest shade
            _fill(pixels, width, int(left + b * bar), bar - 1, base - tall, tall, colour)
    return png(width, height, palette, pixels)


def _fill(pixels: bytearray, width: int, x: int, w: int, y: int, h: int, colour: int) -> None:
    """Paint a rectangle (clipped to the image) with a palette index."""
    height = len(pixels) // width
    x0, x1 = max(0, x), min(width, x + max(0, w))
    for row in range(max(0, y), min(height, y + max(0, h))):
        pixels[row * width + x0 : row * width + x1] = bytes([colour]) * (x1 - x0)
