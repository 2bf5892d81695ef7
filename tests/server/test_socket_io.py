"""Socket reads and writes with one scheduler trip: partial writes, broken peers, fairness."""

from __future__ import annotations

import os
import struct
from pathlib import Path

import pytest
import trio
import trio.testing

from wirekafka.log.file_region import FileRegion
from wirekafka.protocol.gather import Records
from wirekafka.server.connection import FrameSource
from wirekafka.server.socket_io import IOV_MAX, receive_into, send_all, send_parts


async def read_into(sock: trio.socket.SocketType, count: int, received: bytearray) -> None:
    """Receive ``count`` bytes from ``sock`` into ``received``, as the peer of a writer under test."""
    buffer = bytearray(65536)
    while len(received) < count:
        got = await receive_into(sock.fileno(), memoryview(buffer))
        assert got
        received.extend(buffer[:got])


async def test_send_all_waits_for_room_when_the_kernel_buffer_fills() -> None:
    left, right = trio.socket.socketpair()
    data = bytes(range(256)) * 20_000  # 5 MB: far more than the socket buffers hold
    received = bytearray()
    async with trio.open_nursery() as nursery:
        nursery.start_soon(read_into, right, len(data), received)
        await send_all(left.fileno(), bytearray(data))
    assert received == data
    left.close()
    right.close()


async def test_send_parts_writes_every_piece_in_order_through_partial_writes() -> None:
    left, right = trio.socket.socketpair()
    # More pieces than one writev takes, large pieces the kernel splits, empty and one-byte ones.
    pieces: list[bytes | bytearray | memoryview] = [
        bytes([i % 251]) * (i % 7) for i in range(IOV_MAX * 2 + 5)
    ]
    pieces[10:10] = [bytes(range(256)) * 8_000, memoryview(bytearray(b"\x01" * 3_000_000))[5:]]
    pieces += [bytearray(b"end"), b"", b""]  # trailing empty pieces must not keep it waiting
    expected = b"".join(pieces)
    received = bytearray()
    async with trio.open_nursery() as nursery:
        nursery.start_soon(read_into, right, len(expected), received)
        with trio.fail_after(30):
            await send_parts(left.fileno(), pieces)
    assert received == expected
    left.close()
    right.close()


async def test_send_parts_sends_file_regions_between_buffers_and_closes_them(tmp_path: Path) -> None:
    left, right = trio.socket.socketpair()
    path = tmp_path / "segment"
    content = bytes(range(256)) * 12_000  # 3 MB: the socket takes it in several sendfile calls
    path.write_bytes(content)
    with path.open("rb") as file:
        regions = [FileRegion(file.fileno(), 1000, 2_000_000), FileRegion(file.fileno(), 7, 5)]
    pieces: list[Records] = [b"head", regions[0], memoryview(b"middle"), regions[1], b"tail"]
    expected = b"head" + content[1000:2_001_000] + b"middle" + content[7:12] + b"tail"
    received = bytearray()
    async with trio.open_nursery() as nursery:
        nursery.start_soon(read_into, right, len(expected), received)
        await send_parts(left.fileno(), pieces)
    assert received == expected
    assert [region.fd for region in regions] == [-1, -1]  # consumed
    left.close()
    right.close()


async def test_a_file_region_cut_short_breaks_the_connection_and_is_still_closed(tmp_path: Path) -> None:
    left, right = trio.socket.socketpair()
    path = tmp_path / "segment"
    path.write_bytes(b"x" * 1000)
    with path.open("rb") as file:
        region = FileRegion(file.fileno(), 0, 1000)
    os.truncate(path, 300)  # the frame promised 1000 bytes: sending 300 would desynchronise the peer
    with pytest.raises(trio.BrokenResourceError):
        await send_parts(left.fileno(), [b"head", region])
    assert region.fd == -1
    left.close()
    right.close()


async def test_a_broken_peer_is_a_broken_resource() -> None:
    left, right = trio.socket.socketpair()
    right.close()
    with pytest.raises(trio.BrokenResourceError):
        for _ in range(100):  # the first writes may still be buffered
            await send_all(left.fileno(), b"x" * 65536)
    with pytest.raises(trio.BrokenResourceError):
        await send_parts(left.fileno(), [b"x" * 65536, b"y" * 65536])
    left.close()


async def test_receive_at_end_of_stream_is_zero() -> None:
    left, right = trio.socket.socketpair()
    left.close()
    assert await receive_into(right.fileno(), memoryview(bytearray(10))) == 0
    right.close()


async def test_pipelined_frames_served_from_the_buffer_still_checkpoint() -> None:
    left, right = trio.socket.socketpair()
    await left.send(b"".join(struct.pack(">i", 1) + bytes([i]) for i in range(50)))
    source = FrameSource(right, max_frame_size=100)
    assert await source.next_frame() == b"\x00"  # the one read: all 50 frames arrive together
    for i in range(1, 50):
        with trio.testing.assert_checkpoints():
            assert await source.next_frame() == bytes([i])
    left.close()
    right.close()


async def test_a_read_is_a_checkpoint_and_can_be_cancelled() -> None:
    left, right = trio.socket.socketpair()
    await left.send(b"abc")
    buffer = bytearray(10)
    with trio.testing.assert_checkpoints():
        assert await receive_into(right.fileno(), memoryview(buffer)) == 3
    with trio.move_on_after(0.05) as scope:
        await receive_into(right.fileno(), memoryview(buffer))  # nothing more comes
    assert scope.cancelled_caught
    await left.send(b"d")
    with trio.CancelScope() as scope:
        scope.cancel()
        await receive_into(right.fileno(), memoryview(buffer))  # cancelled even with data there
    assert scope.cancelled_caught
    assert await receive_into(right.fileno(), memoryview(buffer)) == 1 and buffer[:1] == b"d"
    left.close()
    right.close()
