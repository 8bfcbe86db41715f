"""Small real files of each accepted type, and hostile ones, for upload tests."""

from __future__ import annotations

import struct
import zlib


def pdf(text: str = "casetrace") -> bytes:
    """A minimal well-formed PDF (header, one object, xref, trailer, %%EOF)."""
    body = f"%PDF-1.7\n1 0 obj << /Title ({text}) >> endobj\n".encode()
    xref = len(body)
    return body + (
        b"xref\n0 2\n0000000000 65535 f \n0000000009 00000 n \n"
        b"trailer << /Size 2 /Root 1 0 R >>\nstartxref\n"
        + str(xref).encode()
        + b"\n%%EOF\n"
    )


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def png(width: int = 1, height: int = 1, seed: int = 0) -> bytes:
    """A real PNG of `width` × `height` grey pixels (seed varies the bytes)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = b"".join(b"\x00" + bytes([seed % 256]) * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(rows))
        + _chunk(b"IEND", b"")
    )


def jpeg(seed: int = 0) -> bytes:
    """SOI, an APP0 (JFIF) segment, some scan bytes, EOI."""
    app0 = b"\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    return b"\xff\xd8" + app0 + bytes([seed % 256]) * 16 + b"\xff\xd9"
