"""Each direction of a compiled codec is generated and compiled on its first use, not before.

A broker decodes requests and encodes responses only: compiling the unused half would double
the compile cost of the first request of every (API, version).
"""

from __future__ import annotations

from typing import Any

import pytest

from wirekafka.protocol import compiler, interpreter
from wirekafka.protocol.messages import by_name

ApiVersionsRequest = by_name("ApiVersionsRequest")


@pytest.fixture
def compiled(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """The (filename, source) of every ``compile`` the module runs, from an empty codec cache."""
    calls: list[tuple[str, str]] = []

    def recording(source: str, filename: str, mode: str) -> Any:
        calls.append((filename, source))
        return compile(source, filename, mode)

    monkeypatch.setattr(compiler, "_CACHE", {})
    monkeypatch.setattr(compiler, "compile", recording, raising=False)
    return calls


def test_decoding_compiles_only_the_decoders_and_encoding_only_the_encoders(
    compiled: list[tuple[str, str]],
) -> None:
    value = ApiVersionsRequest(client_software_name="kcat", client_software_version="1.7")
    wire = interpreter.encode(value, 3)
    codec = compiler.codec(ApiVersionsRequest, 3)
    assert compiled == []

    assert codec.decode(wire) == value
    assert [filename for filename, _ in compiled] == ["<codegen:ApiVersionsRequest_v3:dec>"]
    assert "def dec_ApiVersionsRequest(buf, pos):" in compiled[0][1]
    assert "def enc_" not in compiled[0][1]

    assert codec.encode(value) == wire
    assert [filename for filename, _ in compiled][1:] == ["<codegen:ApiVersionsRequest_v3:enc>"]
    assert "def dec_" not in compiled[1][1]

    out = bytearray(b"head")
    codec.encode_into(out, codec.decode(wire))
    assert out == b"head" + wire
    assert len(compiled) == 2, "each direction compiles once"
    assert codec.source == "\n\n".join(source for _, source in compiled), "source is what runs"


def test_carries_records_is_right_before_the_encoders_are_compiled(
    compiled: list[tuple[str, str]],
) -> None:
    fetch = by_name("FetchResponse")
    fetch_v12 = compiler.codec(fetch, 12)
    fetch_v12.decode(interpreter.encode(fetch(), 12))
    assert fetch_v12.carries_records
    assert not compiler.codec(by_name("MetadataResponse"), 12).carries_records
    assert compiler.codec(by_name("ProduceRequest"), 9).carries_records
    assert fetch_v12.encode(fetch()) == interpreter.encode(fetch(), 12)
