"""Small real images for tests: built here, so no binary files in the tree."""

from __future__ import annotations

import struct
import zlib


def png(rgb: tuple[int, int, int] = (79, 70, 229), size: int = 8, other: tuple[int, int, int] | None = None) -> bytes:
    """A ``size`` x ``size`` PNG: one colour, or split along the diagonal with ``other``."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    second = other or rgb
    rows = b"".join(b"\x00" + b"".join(bytes(rgb if x > y else second) for x in range(size)) for y in range(size))
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


# Only the first bytes matter to Kindred's check; these are not whole images.
GIF = b"GIF89a" + b"\x01\x00\x01\x00" + b"\x00" * 20
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 20
WEBP = b"RIFF\x10\x00\x00\x00WEBPVP8 " + b"\x00" * 20
