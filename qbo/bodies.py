"""HTTP answers read within a size limit: one over it is refused before it is all in memory."""

from __future__ import annotations

import aiohttp

from importer.domain.messages import N_, Msgid, Text

CHUNK = 64 * 1024


class BodyTooLarge(Exception):
    """An answer's body is larger than the caller accepts."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"more than {limit:,} bytes")
        self.limit = limit


async def read_limited(response: aiohttp.ClientResponse, limit: int) -> bytes:
    """Return a response's body, raising BodyTooLarge once it passes limit bytes."""
    declared = response.content_length
    if declared is not None and declared > limit:
        raise BodyTooLarge(limit)
    body = bytearray()
    # Counted as it arrives (after decompression), so no size header has to be trusted.
    async for chunk in response.content.iter_chunked(CHUNK):
        body += chunk
        if len(body) > limit:
            raise BodyTooLarge(limit)
    return bytes(body)


def network_problem(error: BaseException) -> Text:
    """Say in words what kept an answer from coming (a timeout, a refused connection)."""
    said: Msgid
    if isinstance(error, TimeoutError):
        said = N_("no answer in time")
    elif isinstance(error, aiohttp.ClientConnectorError):
        said = N_("could not connect")
    elif isinstance(error, aiohttp.ServerDisconnectedError | aiohttp.ClientPayloadError):
        said = N_("the connection was cut")
    else:
        return Text(N_("a network error: {name}"), {"name": type(error).__name__})
    return Text(said)
