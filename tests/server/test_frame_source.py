"""The socket frame reader: small frames batched in one read, large ones received in place."""

from __future__ import annotations

import struct

import pytest
import trio

from wirekafka.protocol.errors import FrameTooLargeError
from wirekafka.server.connection import FrameSource


def framed(payload: bytes) -> bytes:
    return struct.pack(">i", len(payload)) + payload


async def test_small_and_large_frames_in_odd_chunks() -> None:
    left, right = trio.socket.socketpair()
    payloads = [b"a", b"", b"x" * 70_000, b"bc", b"y" * 300_000, b"z"]
    stream = b"".join(framed(p) for p in payloads)
    source = FrameSource(right, max_frame_size=1_000_000)
    received: list[bytes] = []

    async def writer() -> None:
        for i in range(0, len(stream), 7_777):
            await left.send(stream[i : i + 7_777])
        left.close()

    async with trio.open_nursery() as nursery:
        nursery.start_soon(writer)
        while (frame := await source.next_frame()) is not None:
            assert isinstance(frame, bytearray)
            received.append(bytes(frame))
    assert received == payloads
    right.close()


async def test_eof_in_the_middle_of_a_frame_is_end_of_stream() -> None:
    left, right = trio.socket.socketpair()
    await left.send(struct.pack(">i", 100) + b"partial")
    left.close()
    assert await FrameSource(right, max_frame_size=1000).next_frame() is None
    right.close()


async def test_oversized_frame_is_refused_before_allocation() -> None:
    left, right = trio.socket.socketpair()
    await left.send(struct.pack(">i", 2**31 - 1))
    with pytest.raises(FrameTooLargeError):
        await FrameSource(right, max_frame_size=1000).next_frame()
    left.close()
    right.close()
