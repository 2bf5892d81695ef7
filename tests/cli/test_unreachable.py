"""Client commands against an address where nothing listens: one line of error, exit status 1."""

from __future__ import annotations

import socket

import pytest
from click.testing import CliRunner

from wirekafka.cli import main


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port  # closed again: connections are refused


@pytest.mark.parametrize(
    "args",
    [["topics", "list"], ["groups", "list"], ["consume", "t", "--timeout", "1"]],
    ids=["topics", "groups", "consume"],
)
def test_no_broker_is_one_line_of_error(args: list[str]) -> None:
    address = f"127.0.0.1:{_closed_port()}"
    result = CliRunner().invoke(main, [*args, "--bootstrap", address, "--connect-timeout", "0.5"])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: connecting to {address} failed")
    assert "Traceback" not in result.output


def test_produce_without_broker_fails_before_reading_input() -> None:
    address = f"127.0.0.1:{_closed_port()}"
    result = CliRunner().invoke(
        main, ["produce", "t", "--bootstrap", address, "--connect-timeout", "0.5"], input="a\n"
    )
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: connecting to {address} failed")
