"""Pytest plugin that turns the run into a compatibility report (Markdown + JSON).

Why: a person asking "does my broker behave like Kafka for real clients?" wants one table per family
(case x client) and the reason for every red or grey cell, not a pytest log. Each case is tagged at
collection with its family (module `test_<family>.py`), client (the `client` parameter, else the
`client` marker, else "raw" for hand-built frames) and case name (function name + other parameters).

Outcomes: pass, fail, unsupported (a failure whose message starts with "unsupported:" — the broker
does not advertise the API/version the case needs), skip (only for reasons outside the broker, such as
a client library that is not installed) and error (setup or teardown failed).
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pytest

CLIENT_ORDER = ["raw", "kafka-python", "confluent-kafka", "aiokafka", "kcat", "kafkajs", "java", "sarama"]
SYMBOLS = {"pass": "✅ pass", "fail": "❌ FAIL", "unsupported": "⛔ unsupported", "skip": "⏭ skip", "error": "💥 error"}
UNSUPPORTED_PREFIX = "unsupported:"


@dataclass
class CaseResult:
    nodeid: str
    family: str
    case: str
    client: str
    outcome: str = "pass"
    reason: str = ""
    duration_s: float = 0.0


def describe_item(item: pytest.Item) -> tuple[str, str, str]:
    """(family, case, client) of a collected test item."""
    module = Path(str(item.fspath)).stem
    family_marker = item.get_closest_marker("family")
    family = str(family_marker.args[0]) if family_marker else module.removeprefix("test_")
    callspec = getattr(item, "callspec", None)
    params: dict[str, Any] = dict(getattr(callspec, "params", {}) or {})
    client_marker = item.get_closest_marker("client")
    client = str(params.pop("client", None) or (client_marker.args[0] if client_marker else "raw"))
    name = getattr(item, "originalname", item.name).removeprefix("test_")
    if params and callspec is not None:
        # The pytest id without the client part: "kafka-python-gzip" -> "gzip".
        parts = str(callspec.id).replace(client, "\0").split("-")
        rest = "-".join(p for p in parts if p != "\0").replace("\0", client)
        if rest:
            name += f"[{rest}]"
    return family, name, client


def _reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    if report.skipped and isinstance(longrepr, tuple):
        return str(longrepr[2]).removeprefix("Skipped: ")
    crash = getattr(longrepr, "reprcrash", None)
    text = str(crash.message) if crash is not None else str(longrepr or "")
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("Failed: "):
            line = line.removeprefix("Failed: ")
        if line:
            return line[:400]
    return ""


class ConformanceReport:
    """Collects one CaseResult per test item and writes the report files at session end."""

    def __init__(self, report_dir: Path, broker_label: str) -> None:
        self.report_dir = report_dir
        self.broker_label = broker_label
        self.bootstrap = ""
        self.advertised_apis: dict[int, tuple[int, int]] = {}
        self.results: dict[str, CaseResult] = {}
        self.started = time.monotonic()
        self.meta: dict[str, tuple[str, str, str]] = {}

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        for item in items:
            self.meta[item.nodeid] = describe_item(item)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        family, case, client = self.meta.get(report.nodeid, ("other", report.nodeid, "raw"))
        result = self.results.setdefault(report.nodeid, CaseResult(report.nodeid, family, case, client))
        result.duration_s += report.duration
        if report.passed:
            return
        reason = _reason(report)
        if report.skipped:
            if result.outcome == "pass":
                result.outcome, result.reason = "skip", reason
        elif report.when == "call":
            result.outcome = "unsupported" if reason.startswith(UNSUPPORTED_PREFIX) else "fail"
            result.reason = reason
        elif result.outcome in ("pass", "skip"):
            result.outcome = "unsupported" if reason.startswith(UNSUPPORTED_PREFIX) else "error"
            result.reason = f"{report.when}: {reason}" if result.outcome == "error" else reason

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if not self.results:
            return
        self.report_dir.mkdir(parents=True, exist_ok=True)
        (self.report_dir / "conformance-report.json").write_text(json.dumps(self.as_json(), indent=2) + "\n")
        (self.report_dir / "conformance-report.md").write_text(self.as_markdown())

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.results:
            totals = Counter(r.outcome for r in self.results.values())
            terminalreporter.write_sep("=", "conformance report")
            terminalreporter.write_line(
                f"{self.report_dir / 'conformance-report.md'}: "
                + ", ".join(f"{totals.get(k, 0)} {k}" for k in SYMBOLS)
            )

    # ------------------------------------------------------------------------------------ rendering

    def summary(self) -> dict[str, dict[str, int]]:
        per_client: dict[str, Counter[str]] = defaultdict(Counter)
        for r in self.results.values():
            per_client[r.client][r.outcome] += 1
            per_client["total"][r.outcome] += 1
        return {c: {k: per_client[c].get(k, 0) for k in SYMBOLS} for c in [*self._clients(), "total"]}

    def _clients(self) -> list[str]:
        seen = {r.client for r in self.results.values()}
        return [c for c in CLIENT_ORDER if c in seen] + sorted(seen - set(CLIENT_ORDER))

    def as_json(self) -> dict[str, Any]:
        return {
            "broker": self.broker_label,
            "bootstrap": self.bootstrap,
            "generated": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "duration_s": round(time.monotonic() - self.started, 1),
            "advertised_apis": {str(k): list(v) for k, v in sorted(self.advertised_apis.items())},
            "summary": self.summary(),
            "cases": [asdict(r) | {"duration_s": round(r.duration_s, 2)} for r in self.results.values()],
        }

    def as_markdown(self) -> str:
        clients = self._clients()
        summary = self.summary()
        out = [
            f"# Kafka conformance report: {self.broker_label}",
            "",
            f"Bootstrap `{self.bootstrap}` · generated "
            f"{dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M UTC')} · "
            f"{time.monotonic() - self.started:.0f} s · {len(self.results)} cases",
            "",
            "Legend: " + " · ".join(SYMBOLS.values())
            + " (unsupported = the broker does not advertise the API/version the case needs; it counts as a failure;"
            " skip = not the broker's doing, e.g. a client that is not installed)",
            "",
            "## Summary",
            "",
            "| client | " + " | ".join(SYMBOLS) + " |",
            "|---|" + "---:|" * len(SYMBOLS),
        ]
        for client in [*clients, "total"]:
            row = summary[client]
            name = f"**{client}**" if client == "total" else client
            out.append(f"| {name} | " + " | ".join(str(row[k]) for k in SYMBOLS) + " |")
        families: dict[str, list[CaseResult]] = defaultdict(list)
        for r in self.results.values():
            families[r.family].append(r)
        out += ["", "| family | cases | passed |", "|---|---:|---:|"]
        for family, results in families.items():
            passed = sum(r.outcome == "pass" for r in results)
            out.append(f"| [{family}](#{family.replace('_', '-')}) | {len(results)} | {passed} |")
        for family, results in families.items():
            fam_clients = [c for c in clients if any(r.client == c for r in results)]
            out += ["", f"## {family}", "", "| case | " + " | ".join(fam_clients) + " |",
                    "|---|" + "---|" * len(fam_clients)]
            table: dict[str, dict[str, CaseResult]] = defaultdict(dict)
            for r in results:
                table[r.case][r.client] = r
            for case, cells in table.items():
                row = [SYMBOLS[cells[c].outcome] if c in cells else "" for c in fam_clients]
                out.append(f"| `{case}` | " + " | ".join(row) + " |")
            notes = [r for r in results if r.outcome != "pass"]
            if notes:
                out += ["", "<details><summary>reasons</summary>", ""]
                out += [f"- `{r.case}` · {r.client} · **{r.outcome}**: {r.reason.replace('|', '/')}" for r in notes]
                out += ["", "</details>"]
        return "\n".join(out) + "\n"
