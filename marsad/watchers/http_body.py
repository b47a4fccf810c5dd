"""Reading a response body under a cap on DECODED bytes, so a gzip bomb costs at most the cap.

httpx's own decoders inflate each network read completely (a 64 KB read of a gzip bomb becomes
about 64 MB at once).  For gzip and deflate we therefore read the raw stream and inflate it
ourselves with ``zlib``'s ``max_length``, never producing more than one byte past the cap.  Other
encodings (br, zstd: only when their libraries are installed and we advertised them) fall back to
httpx's decoding with the cap checked after each chunk.
"""

from __future__ import annotations

import contextlib
import zlib

import httpx


class BodyTooLargeError(Exception):
    """The decoded body would exceed the cap."""


class BodyCorruptError(Exception):
    """The body claims a compression it does not follow (the message says how)."""


_GZIP_MAGIC = b"\x1f\x8b"


class _Inflater:
    """Incremental gzip/deflate decoding that never returns more than it is allowed to."""

    def __init__(self, coding: str) -> None:
        self._coding = coding
        self._raw_deflate_fallback = coding == "deflate"
        self._started = False
        self._inner = self._new()

    def _new(self, raw: bool = False) -> zlib._Decompress:
        if self._coding == "gzip":
            return zlib.decompressobj(16 + zlib.MAX_WBITS)
        return zlib.decompressobj(-zlib.MAX_WBITS if raw else zlib.MAX_WBITS)

    def feed(self, data: bytes, room: int) -> bytes:
        """Inflate ``data``, returning at most ``room`` bytes (more input means too large)."""
        try:
            out = self._inner.decompress(data, room)
        except zlib.error:
            # Some servers send raw deflate (no zlib header) under "deflate": retry once as raw.
            if not (self._raw_deflate_fallback and not self._started):
                raise
            self._inner = self._new(raw=True)
            out = self._inner.decompress(data, room)
        self._started = True
        # Concatenated gzip members are one body (RFC 1952 §2.2); anything else after the end of
        # the stream is trailing junk that browsers ignore too.
        while (
            self._coding == "gzip"
            and self._inner.eof
            and self._inner.unused_data.startswith(_GZIP_MAGIC)
            and len(out) < room
        ):
            rest = self._inner.unused_data
            self._inner = self._new()
            out += self._inner.decompress(rest, room - len(out))
        return out

    def finish(self) -> bytes:
        """The last bytes; BodyCorruptError if the stream stopped before its end marker."""
        if self._started and not self._inner.eof:
            raise BodyCorruptError(f"truncated {self._coding} body")
        return self._inner.flush()


def _content_coding(response: httpx.Response) -> str | None:
    """The single coding we inflate ourselves ("" for none), or None to let httpx decode."""
    codings = [c.strip().lower() for c in response.headers.get("content-encoding", "").split(",")]
    codings = [c for c in codings if c and c != "identity"]
    if not codings:
        return ""
    if len(codings) == 1 and codings[0] in ("gzip", "x-gzip", "deflate"):
        return "gzip" if codings[0] == "x-gzip" else codings[0]
    return None


async def read_capped(response: httpx.Response, max_bytes: int) -> bytes:
    """The whole decoded body of a streamed ``response``, or BodyTooLargeError past ``max_bytes``.

    Raises BodyCorruptError when a compressed body does not decompress.
    """
    coding = _content_coding(response)
    declared = response.headers.get("content-length", "")
    if coding == "" and declared.isdigit() and int(declared) > max_bytes:
        raise BodyTooLargeError  # refuse before reading a byte
    body = bytearray()
    if coding is None:
        try:
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > max_bytes:
                    raise BodyTooLargeError
        except httpx.DecodingError as exc:
            raise BodyCorruptError(str(exc)) from exc
        return bytes(body)
    inflater = _Inflater(coding) if coding else None
    try:
        async for raw in response.aiter_raw():
            chunk = inflater.feed(raw, max_bytes - len(body) + 1) if inflater else raw
            body += chunk
            if len(body) > max_bytes:
                raise BodyTooLargeError
        if inflater:
            body += inflater.finish()
    except zlib.error as exc:
        raise BodyCorruptError(f"corrupt {coding} body ({exc})") from exc
    if len(body) > max_bytes:
        raise BodyTooLargeError
    return bytes(body)


async def discard(response: httpx.Response, limit: int = 64 * 1024) -> None:
    """Read and drop a small body (a 304, a redirect, an error page) so the connection goes back
    to the pool for reuse; a body larger than ``limit`` is abandoned with its connection."""
    received = 0
    with contextlib.suppress(httpx.HTTPError):  # the status already says what happened
        async for raw in response.aiter_raw():
            received += len(raw)
            if received > limit:
                return
