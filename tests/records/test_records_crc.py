"""CRC-32C against published vectors and an independent implementation."""

from __future__ import annotations

import random
import subprocess
import sys

import pytest
from kafka.record._crc32c import crc as reference_crc32c

from wirekafka.records.crc import crc32c

# RFC 3720 (iSCSI), appendix B.4, plus the check value of the CRC catalogue.
ISCSI_READ_PDU = bytes.fromhex(
    "01c000000000000000000000000000001400000000000400000000140000001828000000000000000200000000000000"
)
VECTORS = [
    (b"123456789", 0xE3069283),
    (bytes(32), 0x8A9136AA),
    (b"\xff" * 32, 0x62A8AB43),
    (bytes(range(32)), 0x46DD794E),
    (bytes(range(31, -1, -1)), 0x113FDB5C),
    (ISCSI_READ_PDU, 0xD9963A56),
    (b"", 0),
]


@pytest.mark.parametrize(("data", "expected"), VECTORS)
def test_known_vectors(data: bytes, expected: int) -> None:
    assert crc32c(data) == expected


def test_buffer_types_and_slices_agree() -> None:
    data = b"xx123456789yy"
    assert crc32c(memoryview(data)[2:11]) == 0xE3069283
    assert crc32c(bytearray(b"123456789")) == 0xE3069283


def test_continuing_from_a_previous_value_equals_one_pass() -> None:
    assert crc32c(b"56789", crc32c(b"1234")) == 0xE3069283


def test_matches_kafka_pythons_pure_python_crc_on_random_data() -> None:
    generator = random.Random(20240601)
    for size in (1, 7, 8, 63, 64, 65, 1000, 4099):
        data = generator.randbytes(size)
        assert crc32c(data) == reference_crc32c(data)


def test_uses_the_packages_compiled_function_without_running_its_init() -> None:
    """The checksum is crc32c's C function, loaded without the package ``__init__`` (startup cost)."""
    code = (
        "import sys, types\n"
        "from wirekafka.records import crc\n"
        "assert isinstance(crc._crc32c, types.BuiltinFunctionType), crc._crc32c\n"
        "assert 'crc32c' not in sys.modules and 'importlib.metadata' not in sys.modules\n"
        "import crc32c\n"
        "assert crc._crc32c(b'123456789') == crc32c.crc32c(b'123456789') == 0xE3069283\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
