"""The command line: configuration errors name the key; codec-source prints generated code;
``serve`` keeps the garbage collector off only while the broker starts."""

from __future__ import annotations

import gc
from pathlib import Path

import trio
import trio.testing
from click.testing import CliRunner

from wirekafka.broker.broker import Broker
from wirekafka.cli import _serve, main
from wirekafka.testing.broker import broker_test_config


def test_unknown_setting_is_refused_naming_the_key() -> None:
    result = CliRunner().invoke(main, ["serve", "-o", "no.such.setting=1"])
    assert result.exit_code != 0
    assert "no.such.setting" in result.output and "unknown configuration" in result.output


def test_invalid_value_is_refused_naming_the_key() -> None:
    result = CliRunner().invoke(main, ["serve", "-o", "num.partitions=0"])
    assert result.exit_code != 0
    assert "num.partitions" in result.output and "at least 1" in result.output


def test_codec_source_prints_the_generated_decoder() -> None:
    result = CliRunner().invoke(main, ["codec-source", "HeartbeatRequest", "4"])
    assert result.exit_code == 0, result.output
    assert "def dec_HeartbeatRequest(buf, pos):" in result.output
    assert "def enc_HeartbeatRequest(out, o):" in result.output


def test_codec_source_rejects_unknown_names_and_versions() -> None:
    assert "unknown message" in CliRunner().invoke(main, ["codec-source", "NopeRequest", "0"]).output
    assert "no version 99" in CliRunner().invoke(main, ["codec-source", "HeartbeatRequest", "99"]).output


def test_conformance_command_runs_the_suite_and_writes_the_report(tmp_path: Path) -> None:
    from wirekafka.testing.broker import running_broker

    with running_broker(tmp_path / "data") as broker:
        result = CliRunner().invoke(
            main,
            [
                "conformance",
                "--bootstrap",
                broker.bootstrap,
                "--report-dir",
                str(tmp_path / "report"),
                "-k",
                "handshake and api_versions",
            ],
        )
    assert result.exit_code == 0, result.output
    report = (tmp_path / "report" / "conformance-report.md").read_text()
    assert "api_versions_unknown_version_gets_v0_fallback` | ✅ pass" in report
    assert "❌ FAIL" not in report.split("Legend")[1].split("\n", 1)[1]


def test_a_refused_start_turns_the_collector_back_on() -> None:
    assert gc.isenabled()
    result = CliRunner().invoke(main, ["serve", "-o", "no.such.setting=1"])
    assert result.exit_code != 0
    assert gc.isenabled()


async def test_the_collector_is_back_on_once_the_broker_has_fully_started(tmp_path: Path) -> None:
    broker = Broker(broker_test_config(tmp_path))
    gc.disable()  # as ``serve`` leaves it while the broker starts
    try:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(_serve, broker)
            await broker.fully_started.wait()
            with trio.fail_after(5):
                await trio.testing.wait_all_tasks_blocked()
            assert gc.isenabled()
            assert gc.get_freeze_count() > 0
            nursery.cancel_scope.cancel()
    finally:
        gc.unfreeze()
        gc.enable()
