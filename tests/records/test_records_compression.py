"""Codecs: round trips, Kafka's exact framings, foreign encoders, corruption and bombs.

The foreign encoders (python-lz4, zstandard, python-snappy and kafka-python's codec module on
top of them) are independent implementations; each test that needs one skips when it is absent.
"""

from __future__ import annotations

import gzip
import random
import struct
import tracemalloc
import zlib
from collections.abc import Callable

import pytest

from wirekafka.records import (
    Compression,
    CorruptRecordError,
    DecompressedSizeLimitError,
    DecompressionError,
    compress,
    decompress,
)
from wirekafka.records.lz4_frame import xxh32

CODECS = list(Compression)
COMPRESSED_CODECS = [codec for codec in Compression if codec != Compression.NONE]
MiB = 1024 * 1024


def _mixed_data(size: int, seed: int = 7) -> bytes:
    """Half text-like (compressible), half random (not), so every block path is exercised."""
    generator = random.Random(seed)
    parts = []
    total = 0
    while total < size:
        if generator.random() < 0.5:
            part = b"user-%d,event=click,page=/products/%d;" % (
                generator.randrange(1000),
                generator.randrange(50),
            )
            part *= generator.randrange(1, 40)
        else:
            part = generator.randbytes(generator.randrange(1, 3000))
        parts.append(part)
        total += len(part)
    return b"".join(parts)[:size]


@pytest.mark.parametrize("codec", CODECS)
@pytest.mark.parametrize("size", [0, 1, 100, 32 * 1024, 64 * 1024 - 1, 64 * 1024, 64 * 1024 + 1, 300_000])
def test_round_trip(codec: Compression, size: int) -> None:
    data = _mixed_data(size)
    assert decompress(codec, compress(codec, data)) == data


@pytest.mark.parametrize("codec", COMPRESSED_CODECS)
def test_compresses_compressible_data(codec: Compression) -> None:
    data = b"the same line again\n" * 10_000
    assert len(compress(codec, data)) < len(data) // 10


@pytest.mark.parametrize("codec", CODECS)
def test_accepts_memoryview_and_bytearray(codec: Compression) -> None:
    data = _mixed_data(70_000)
    compressed = compress(codec, memoryview(bytearray(data)))
    assert decompress(codec, bytearray(compressed)) == data
    assert decompress(codec, memoryview(compressed)) == data


class TestKafkaLayouts:
    """The bytes Kafka's Java producer writes, which old Java consumers insist on."""

    def test_lz4_frame_header_and_blocks(self) -> None:
        data = _mixed_data(200_000)
        frame = compress(Compression.LZ4, data)
        # magic, FLG 0x60 (v1, independent blocks, no checksums, no size), BD 0x40 (64 KiB), HC
        assert frame[:7] == bytes.fromhex("04224d18604082")
        position, sizes, stored_raw = 7, [], 0
        while True:
            (word,) = struct.unpack_from("<I", frame, position)
            position += 4
            if word == 0:
                break
            size = word & 0x7FFFFFFF
            stored_raw += bool(word & 0x80000000)
            sizes.append(size)
            position += size
        assert position == len(frame)
        assert len(sizes) == 4  # 200_000 bytes in 64 KiB blocks
        assert all(size <= 64 * 1024 for size in sizes)

    def test_lz4_incompressible_block_is_stored_raw(self) -> None:
        data = random.Random(1).randbytes(1000)
        frame = compress(Compression.LZ4, data)
        (word,) = struct.unpack_from("<I", frame, 7)
        assert word == 0x80000000 | 1000
        assert frame[11:1011] == data

    def test_lz4_header_checksum_is_kip_57s(self) -> None:
        # KIP-57: HC = second byte of xxh32 over the descriptor only (not over the magic).
        assert xxh32(b"\x60\x40") >> 8 & 0xFF == 0x82

    def test_snappy_uses_xerial_framing_with_32k_blocks(self) -> None:
        data = _mixed_data(100_000)
        stream = compress(Compression.SNAPPY, data)
        assert stream[:16] == b"\x82SNAPPY\x00" + struct.pack(">ii", 1, 1)
        position, blocks = 16, 0
        while position < len(stream):
            (size,) = struct.unpack_from(">i", stream, position)
            position += 4 + size
            blocks += 1
        assert position == len(stream)
        assert blocks == 4  # 3 x 32 KiB + 1696 bytes

    def test_gzip_is_one_member(self) -> None:
        data = _mixed_data(50_000)
        stream = compress(Compression.GZIP, data)
        assert stream[:3] == b"\x1f\x8b\x08"
        decompressor = zlib.decompressobj(31)
        assert decompressor.decompress(stream) == data
        assert decompressor.eof and decompressor.unused_data == b""

    def test_zstd_is_one_standard_frame(self) -> None:
        zstandard = pytest.importorskip("zstandard")
        data = _mixed_data(50_000)
        frame = compress(Compression.ZSTD, data)
        assert frame[:4] == bytes.fromhex("28b52ffd")
        assert zstandard.ZstdDecompressor().decompress(frame) == data


class TestForeignEncoders:
    def test_our_output_decodes_with_independent_libraries(self) -> None:
        lz4_frame = pytest.importorskip("lz4.frame")
        zstandard = pytest.importorskip("zstandard")
        snappy = pytest.importorskip("snappy")
        data = _mixed_data(250_000)
        assert lz4_frame.decompress(compress(Compression.LZ4, data)) == data
        assert (
            zstandard.ZstdDecompressor().decompressobj().decompress(compress(Compression.ZSTD, data)) == data
        )
        assert gzip.decompress(compress(Compression.GZIP, data)) == data
        stream = compress(Compression.SNAPPY, data)
        decoded, position = [], 16
        while position < len(stream):
            (size,) = struct.unpack_from(">i", stream, position)
            decoded.append(snappy.decompress(stream[position + 4 : position + 4 + size]))
            position += 4 + size
        assert b"".join(decoded) == data

    @pytest.mark.parametrize(
        "options",
        [
            {"block_linked": False},
            {"block_linked": False, "store_size": False},
            {"block_linked": False, "content_checksum": True, "block_checksum": True},
            {"block_linked": False, "block_size": 7},  # 4 MiB blocks
            {"block_linked": False, "block_size": 5, "compression_level": 9},
        ],
    )
    def test_lz4_frames_from_python_lz4(self, options: dict[str, object]) -> None:
        lz4_frame = pytest.importorskip("lz4.frame")
        data = _mixed_data(300_000)
        assert decompress(Compression.LZ4, lz4_frame.compress(data, **options)) == data

    def test_lz4_dependent_blocks_are_refused_like_kafka(self) -> None:
        lz4_frame = pytest.importorskip("lz4.frame")
        frame = lz4_frame.compress(_mixed_data(100_000), block_linked=True)
        with pytest.raises(DecompressionError, match="dependent"):
            decompress(Compression.LZ4, frame)

    def test_lz4_from_kafka_python(self) -> None:
        pytest.importorskip("lz4.frame")
        from kafka import codec

        data = _mixed_data(150_000)
        assert decompress(Compression.LZ4, codec.lz4_encode(data)) == data

    @pytest.mark.parametrize(
        "options", [{}, {"write_content_size": False}, {"write_checksum": True}, {"level": 19}]
    )
    def test_zstd_frames_from_zstandard(self, options: dict[str, object]) -> None:
        zstandard = pytest.importorskip("zstandard")
        data = _mixed_data(300_000)
        assert decompress(Compression.ZSTD, zstandard.ZstdCompressor(**options).compress(data)) == data

    def test_zstd_streamed_without_content_size(self) -> None:
        zstandard = pytest.importorskip("zstandard")
        data = _mixed_data(400_000)
        compressor = zstandard.ZstdCompressor(level=3).compressobj()
        frame = b"".join(compressor.compress(data[i : i + 16384]) for i in range(0, len(data), 16384))
        frame += compressor.flush()
        assert decompress(Compression.ZSTD, frame) == data

    def test_zstd_concatenated_and_skippable_frames(self) -> None:
        zstandard = pytest.importorskip("zstandard")
        skippable = struct.pack("<II", 0x184D2A53, 5) + b"hello"
        stream = (
            zstandard.ZstdCompressor().compress(b"first ")
            + skippable
            + zstandard.ZstdCompressor().compress(b"second")
        )
        assert decompress(Compression.ZSTD, stream) == b"first second"

    def test_raw_snappy_as_librdkafka_writes_it(self) -> None:
        snappy = pytest.importorskip("snappy")
        data = _mixed_data(200_000)
        assert decompress(Compression.SNAPPY, snappy.compress(data)) == data

    def test_xerial_snappy_from_kafka_python(self) -> None:
        pytest.importorskip("snappy")
        from kafka import codec

        data = _mixed_data(200_000)
        stream = codec.snappy_encode(data, xerial_compatible=True, xerial_blocksize=8192)
        assert stream[:8] == b"\x82SNAPPY\x00"
        assert decompress(Compression.SNAPPY, stream) == data

    def test_concatenated_xerial_streams(self) -> None:
        first, second = _mixed_data(40_000, seed=1), _mixed_data(40_000, seed=2)
        stream = compress(Compression.SNAPPY, first) + compress(Compression.SNAPPY, second)
        assert decompress(Compression.SNAPPY, stream) == first + second

    def test_xerial_with_little_endian_version_fields(self) -> None:
        # Some writers get the version fields' byte order wrong; Java only needs version >= 1.
        data = _mixed_data(10_000)
        stream = bytearray(compress(Compression.SNAPPY, data))
        stream[8:16] = struct.pack("<ii", 1, 1)
        assert decompress(Compression.SNAPPY, bytes(stream)) == data

    def test_gzip_concatenated_members_and_trailing_bytes(self) -> None:
        stream = gzip.compress(b"one ") + gzip.compress(b"two") + b"not gzip"
        assert decompress(Compression.GZIP, stream) == b"one two"

    def test_xxh32_against_python_lz4_header_checksums(self) -> None:
        lz4_frame = pytest.importorskip("lz4.frame")
        for options in ({"store_size": False}, {"store_size": True}, {"content_checksum": True}):
            frame = lz4_frame.compress(b"x" * 1000, block_linked=False, **options)
            descriptor_end = 6 + (8 if frame[4] & 0x08 else 0)
            assert xxh32(frame[4:descriptor_end]) >> 8 & 0xFF == frame[descriptor_end]

    def test_xxh32_known_values(self) -> None:
        # Reference values from the xxHash project (seed 0).
        assert xxh32(b"") == 0x02CC5D05
        assert xxh32(b"a") == 0x550D7456
        assert xxh32(b"abc") == 0x32D153FF
        assert xxh32(b"Nobody inspects the spammish repetition") == 0xE2293B2F


def _lz4_frame(blocks: list[bytes], descriptor: bytes = b"\x60\x40") -> bytes:
    header = b"\x04\x22\x4d\x18" + descriptor + bytes([xxh32(descriptor) >> 8 & 0xFF])
    return header + b"".join(blocks) + b"\x00\x00\x00\x00"


class TestCorruptInput:
    @pytest.mark.parametrize("codec", COMPRESSED_CODECS)
    def test_garbage(self, codec: Compression) -> None:
        for seed in range(20):
            garbage = random.Random(seed).randbytes(random.Random(seed).randrange(0, 200))
            try:
                decompress(codec, garbage)
            except DecompressionError:
                pass

    @pytest.mark.parametrize("codec", COMPRESSED_CODECS)
    def test_every_truncation_is_a_typed_error(self, codec: Compression) -> None:
        data = _mixed_data(5_000)
        stream = compress(codec, data)
        for cut in range(0, len(stream), max(1, len(stream) // 200)):
            try:
                result = decompress(codec, stream[:cut])
            except DecompressionError:
                continue
            # Raw snappy has no end marker, yet its length preamble still must be met.
            assert result != data

    @pytest.mark.parametrize("codec", COMPRESSED_CODECS)
    def test_decompression_errors_are_corrupt_record_errors(self, codec: Compression) -> None:
        with pytest.raises(CorruptRecordError):
            decompress(codec, b"\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09" * 3)

    def test_lz4_bad_header_checksum(self) -> None:
        frame = bytearray(compress(Compression.LZ4, b"hello"))
        frame[6] ^= 0xFF
        with pytest.raises(DecompressionError, match="descriptor"):
            decompress(Compression.LZ4, bytes(frame))

    @pytest.mark.parametrize(
        ("descriptor", "message"),
        [
            (b"\x20\x40", "version"),
            (b"\x61\x40", "reserved"),
            (b"\x60\x30", "block descriptor"),
            (b"\x60\x41", "block descriptor"),
        ],
    )
    def test_lz4_descriptors_kafka_refuses(self, descriptor: bytes, message: str) -> None:
        with pytest.raises(DecompressionError, match=message):
            decompress(Compression.LZ4, _lz4_frame([], descriptor))

    def test_lz4_block_larger_than_the_maximum(self) -> None:
        block = struct.pack("<I", 0x80000000 | (64 * 1024 + 1)) + bytes(64 * 1024 + 1)
        with pytest.raises(DecompressionError, match="exceeded max"):
            decompress(Compression.LZ4, _lz4_frame([block]))

    def test_lz4_missing_end_mark(self) -> None:
        with pytest.raises(DecompressionError, match="prematurely"):
            decompress(Compression.LZ4, compress(Compression.LZ4, b"hello")[:-4])

    def test_zstd_checksum_mismatch(self) -> None:
        zstandard = pytest.importorskip("zstandard")
        frame = bytearray(zstandard.ZstdCompressor(write_checksum=True).compress(_mixed_data(5_000)))
        frame[-1] ^= 0xFF
        with pytest.raises(DecompressionError):
            decompress(Compression.ZSTD, bytes(frame))

    def test_zstd_window_above_the_reference_decoder_limit(self) -> None:
        # Window descriptor 0x88: window log 27 + 17 = ... exponent 17 -> 2**27 bytes + 0: allowed;
        # exponent 18 -> 2**28 bytes: refused before any decoding.
        frame = bytes.fromhex("28b52ffd") + b"\x00" + bytes([18 << 3]) + b"\x01\x00\x00"
        with pytest.raises(DecompressionError, match="window"):
            decompress(Compression.ZSTD, frame)

    def test_zstd_reserved_block_type(self) -> None:
        frame = bytes.fromhex("28b52ffd") + b"\x00\x38" + struct.pack("<I", (3 << 1) | 1)[:3]
        with pytest.raises(DecompressionError, match="reserved"):
            decompress(Compression.ZSTD, frame)

    def test_xerial_block_overrunning_the_stream(self) -> None:
        stream = b"\x82SNAPPY\x00" + struct.pack(">ii", 1, 1) + struct.pack(">i", 1000) + b"\x05abc"
        with pytest.raises(DecompressionError, match="overruns"):
            decompress(Compression.SNAPPY, stream)

    def test_gzip_bad_trailer_crc(self) -> None:
        stream = bytearray(gzip.compress(b"payload" * 100))
        stream[-8] ^= 0xFF
        with pytest.raises(DecompressionError):
            decompress(Compression.GZIP, bytes(stream))


def _peak_allocation(action: Callable[[], object]) -> int:
    tracemalloc.start()
    try:
        action()
    except DecompressedSizeLimitError:
        pass
    else:
        raise AssertionError("expected DecompressedSizeLimitError")
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return peak


def _zstd_rle_frame(block_count: int) -> bytes:
    """A zstd frame of RLE blocks, each 4 bytes expanding to 128 KiB of b'A'."""
    header = bytes.fromhex("28b52ffd") + b"\x00" + bytes([7 << 3])  # 128 KiB window, no size
    block = struct.pack("<I", (128 * 1024 << 3) | (1 << 1))[:3] + b"A"
    last = struct.pack("<I", (128 * 1024 << 3) | (1 << 1) | 1)[:3] + b"A"
    return header + block * (block_count - 1) + last


def _lz4_zero_blocks(block_count: int) -> bytes:
    """A Kafka LZ4 frame of identical compressed blocks, each expanding to 64 KiB of zeros."""
    import cramjam

    compressed = bytes(cramjam.lz4.compress_block(bytes(64 * 1024), store_size=False))
    block = struct.pack("<I", len(compressed)) + compressed
    return _lz4_frame([block] * block_count)


class TestDecompressionBombs:
    """Output beyond max_size is refused before it is allocated."""

    @pytest.mark.parametrize("codec", COMPRESSED_CODECS)
    def test_limit_is_exact_for_encoder_output(self, codec: Compression) -> None:
        data = _mixed_data(256 * 1024)
        stream = compress(codec, data)
        assert decompress(codec, stream, max_size=len(data)) == data
        with pytest.raises(DecompressedSizeLimitError):
            decompress(codec, stream, max_size=len(data) - 1)

    def test_uncompressed_section_over_the_limit(self) -> None:
        with pytest.raises(DecompressedSizeLimitError):
            decompress(Compression.NONE, bytes(11), max_size=10)

    def test_forged_zstd_frame_is_real_zstd(self) -> None:
        zstandard = pytest.importorskip("zstandard")
        assert (
            zstandard.ZstdDecompressor().decompressobj().decompress(_zstd_rle_frame(3))
            == b"A" * 3 * 128 * 1024
        )
        assert decompress(Compression.ZSTD, _zstd_rle_frame(3)) == b"A" * 3 * 128 * 1024

    def test_zstd_bomb(self) -> None:
        bomb = _zstd_rle_frame(20_000)  # 80 KB claiming 2.5 GiB
        peak = _peak_allocation(lambda: decompress(Compression.ZSTD, bomb, max_size=MiB))
        assert peak < 4 * MiB

    def test_forged_lz4_frame_is_real_lz4(self) -> None:
        lz4_frame = pytest.importorskip("lz4.frame")
        assert lz4_frame.decompress(_lz4_zero_blocks(3)) == bytes(3 * 64 * 1024)

    def test_lz4_bomb(self) -> None:
        bomb = _lz4_zero_blocks(20_000)  # ~5 MB claiming 1.25 GiB
        peak = _peak_allocation(lambda: decompress(Compression.LZ4, bomb, max_size=MiB))
        assert peak < 4 * MiB

    def test_gzip_bomb(self) -> None:
        compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
        chunk = bytes(MiB)
        bomb = b"".join(compressor.compress(chunk) for _ in range(256)) + compressor.flush()  # 256 MiB
        peak = _peak_allocation(lambda: decompress(Compression.GZIP, bomb, max_size=MiB))
        assert peak < 4 * MiB

    def test_raw_snappy_with_a_forged_length(self) -> None:
        forged = bytes.fromhex("ffffffff0f") + b"\x00" * 20  # claims 4 GiB
        peak = _peak_allocation(lambda: decompress(Compression.SNAPPY, forged, max_size=MiB))
        assert peak < MiB

    def test_xerial_snappy_of_many_blocks(self) -> None:
        import cramjam

        block = bytes(cramjam.snappy.compress_raw(bytes(32 * 1024)))
        stream = (
            b"\x82SNAPPY\x00" + struct.pack(">ii", 1, 1) + (struct.pack(">i", len(block)) + block) * 4_000
        )
        peak = _peak_allocation(lambda: decompress(Compression.SNAPPY, stream, max_size=MiB))
        assert peak < 4 * MiB


class TestZstdBounds:
    def test_small_flushed_blocks_decode_up_to_the_exact_limit(self) -> None:
        # Every flush ends a block, so the block-header bound is far above the real size; the
        # decoder must still be allowed to produce exactly max_size bytes.
        zstandard = pytest.importorskip("zstandard")
        data = _mixed_data(200_000)
        compressor = zstandard.ZstdCompressor(level=3).compressobj()
        parts = []
        for start in range(0, len(data), 10_000):
            parts.append(compressor.compress(data[start : start + 10_000]))
            parts.append(compressor.flush(zstandard.COMPRESSOBJ_FLUSH_BLOCK))
        parts.append(compressor.flush())
        stream = b"".join(parts)
        assert decompress(Compression.ZSTD, stream, max_size=len(data)) == data
        with pytest.raises(DecompressedSizeLimitError):
            decompress(Compression.ZSTD, stream, max_size=len(data) - 1)

    def test_content_size_smaller_than_the_content(self) -> None:
        zstandard = pytest.importorskip("zstandard")
        data = _mixed_data(100_000)
        frame = bytearray(zstandard.ZstdCompressor(level=3).compress(data))
        descriptor = frame[4]
        assert descriptor >> 6 == 2 and descriptor & 0x20  # 4-byte content size, single segment
        frame[5:9] = struct.pack("<I", 1000)
        with pytest.raises(DecompressionError):
            decompress(Compression.ZSTD, bytes(frame))


class TestManyTinyBlocks:
    """Frames made of thousands of empty blocks cost no memory per block."""

    @staticmethod
    def _peak(action: Callable[[], bytes]) -> tuple[bytes, int]:
        tracemalloc.start()
        try:
            result = action()
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        return result, peak

    def test_xerial_of_empty_blocks(self) -> None:
        stream = compress(Compression.SNAPPY, b"") + (struct.pack(">i", 1) + b"\x00") * 20_000
        stream += compress(Compression.SNAPPY, b"end")[16:]
        result, peak = self._peak(lambda: decompress(Compression.SNAPPY, stream))
        assert result == b"end"
        assert peak < 256 * 1024

    def test_lz4_of_empty_blocks(self) -> None:
        empty_block = struct.pack("<I", 0x80000000)  # stored raw, zero bytes
        stream = _lz4_frame([empty_block] * 20_000 + [struct.pack("<I", 0x80000003) + b"end"])
        result, peak = self._peak(lambda: decompress(Compression.LZ4, stream))
        assert result == b"end"
        assert peak < 256 * 1024
