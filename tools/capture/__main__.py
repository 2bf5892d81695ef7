"""Capture golden request frames from real Kafka clients: ``python -m tools.capture --help``.

    run      start tansu + the recording proxy, drive each client's workload through the proxy,
             write tests/protocol/golden/{requests,batches,manifest.json}
    proxy    only the recording proxy, printing each exchange (to look at any client by hand)
    summary  print the client x API-version table of a manifest
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from tools.capture import broker, golden
from tools.capture.proxy import Exchange, RecordingProxy, check_advertised

REPO = Path(__file__).resolve().parents[2]
DEFAULT_OUT = REPO / "tests" / "protocol" / "golden"


@dataclass(frozen=True, slots=True)
class Client:
    name: str
    command: list[str]  # --bootstrap/--prefix are appended
    needs: str  # what must be installed, for the error message
    topics: tuple[str, ...] = ()  # created beforehand, bypassing the proxy (single partition)
    shims: frozenset[str] = frozenset()  # proxy work-arounds for tansu, see tools/capture/shims.py


def clients(args: argparse.Namespace) -> dict[str, Client]:
    python = [sys.executable, "-m"]
    return {
        "confluent-kafka": Client("confluent-kafka", [*python, "tools.capture.clients.confluent"],
                                  "confluent-kafka"),
        "kafka-python": Client("kafka-python", [*python, "tools.capture.clients.kafka_python"],
                               "kafka-python>=3 (+ zstandard for zstd)"),
        "aiokafka": Client("aiokafka", [*python, "tools.capture.clients.aiokafka_client"], "aiokafka",
                           shims=frozenset({"init-producer-id-v3"})),
        "kcat": Client("kcat", [*python, "tools.capture.clients.kcat"], "kcat on PATH (apt-get install kcat)",
                       topics=("golden-kcat",), shims=frozenset({"api-versions-tags"})),
        "kafkajs": Client("kafkajs", ["node", str(REPO / "tools/capture/clients/kafkajs_workload.js")],
                          "node + kafkajs 2.2.4 in --node-modules (kafkajs-snappy, kafkajs-lz4 optional)",
                          shims=frozenset({"init-producer-id-v3"})),
    }


def run_client(client: Client, proxy: RecordingProxy, args: argparse.Namespace,
               log_dir: Path) -> golden.ClientCapture:
    """Run one workload as a child process, answering its ``@@step`` lines (see clients/__init__)."""
    capture = golden.ClientCapture(client.name)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), *args.extra_pythonpath,
                                                      env.get("PYTHONPATH")]))
    if args.node_modules:
        env["NODE_PATH"] = str(Path(args.node_modules).resolve())
    command = [*client.command, "--bootstrap", f"127.0.0.1:{proxy.port}",
               "--prefix", f"golden-{client.name}"]
    log_path = log_dir / f"{client.name}.log"
    print(f"== {client.name}: {' '.join(command)} (log {log_path})", flush=True)
    proxy.step = "start"
    proxy.shims = client.shims
    for shim in sorted(client.shims):
        capture.notes.append(f"proxy shim {shim} (see tools/capture/shims.py): forwarded traffic "
                             "adapted for tansu; recorded requests are as the client sent them")
    with log_path.open("w") as log:
        child = subprocess.Popen(command, cwd=REPO, env=env, stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, stderr=log, text=True, bufsize=1)
        assert child.stdin is not None and child.stdout is not None
        timer = threading.Timer(args.client_timeout, child.kill)
        timer.start()
        try:
            for line in child.stdout:
                kind, _, text = line.rstrip("\n").partition(" ")
                if kind == "@@step":
                    proxy.step = text
                    print(f"   step: {text}", flush=True)
                    child.stdin.write("ok\n")
                    child.stdin.flush()
                elif kind == "@@version":
                    capture.version = text
                elif kind == "@@note":
                    capture.notes.append(text)
                    print(f"   note: {text}", flush=True)
                else:
                    log.write(line)
            child.wait()
        finally:
            timer.cancel()
    if child.returncode != 0:
        capture.notes.append(f"workload exited with {child.returncode} (timeout {args.client_timeout}s?)")
    time.sleep(0.5)  # let the last responses through before draining
    capture.exchanges = proxy.drain()
    dump_exchanges(capture.exchanges, log_dir / f"{client.name}.exchanges.jsonl")
    return capture


def dump_exchanges(exchanges: list[Exchange], path: Path) -> None:
    """Everything recorded, responses included, for debugging (never part of the golden data)."""
    with path.open("w") as dump:
        for exchange in exchanges:
            dump.write(json.dumps({
                "sequence": exchange.sequence, "connection": exchange.connection, "step": exchange.step,
                "api_key": exchange.api_key, "api_version": exchange.api_version,
                "correlation_id": exchange.correlation_id, "request": exchange.request.hex(),
                "response": None if exchange.response is None else exchange.response.hex(),
            }) + "\n")


def command_run(args: argparse.Namespace) -> int:
    available = clients(args)
    chosen = list(available) if args.clients == "all" else args.clients.split(",")
    unknown = [name for name in chosen if name not in available]
    if unknown:
        sys.exit(f"unknown clients {unknown}; choose from {list(available)}")
    tansu = broker.find_tansu(args.tansu)
    broker_version = broker.tansu_version(tansu)
    log_dir = Path(args.log_dir)
    log_dir.mkdir(parents=True, exist_ok=True)
    out = Path(args.out)

    broker_port = broker.free_port()
    proxy = RecordingProxy(("127.0.0.1", 0), ("127.0.0.1", broker_port))
    proxy_port = proxy.start()
    print(f"broker {broker_version} on :{broker_port}, proxy on :{proxy_port}", flush=True)
    captures: list[golden.ClientCapture] = []
    problems = 0
    try:
        with broker.Tansu(tansu, broker_port, ("127.0.0.1", proxy_port), log_dir / "tansu.log") as tansu_broker:
            for name in chosen:
                for topic in available[name].topics:
                    tansu_broker.create_topic(topic, 1)
                capture = run_client(available[name], proxy, args, log_dir)
                bypass = check_advertised(capture.exchanges, ("127.0.0.1", proxy_port))
                checked = sum(1 for e in capture.exchanges if e.api_key in (3, 10, 60) and e.response)
                capture.notes.append(f"proxy check: {checked} Metadata/FindCoordinator/DescribeCluster "
                                     f"responses examined, {len(bypass)} advertised another address")
                for problem in bypass:
                    print(f"   ADVERTISED ADDRESS PROBLEM: {problem}", flush=True)
                problems += len(bypass)
                capture.notes.extend(f"proxy check: {problem}" for problem in bypass)
                print(f"   {len(capture.exchanges)} requests recorded, version {capture.version}", flush=True)
                captures.append(capture)
    finally:
        proxy.stop()
    for error in proxy.errors:
        print(f"proxy: {error}", flush=True)

    captured_on = datetime.date.today().isoformat()
    entries = {c.name: golden.write_client(out, c, args.max_per_version) for c in captures}
    manifest = golden.update_manifest(out, broker_version, captures, entries, captured_on)
    print(f"wrote {manifest}\n")
    print(golden.summary(out))
    return 1 if problems else 0


def command_proxy(args: argparse.Namespace) -> int:
    listen_host, listen_port = args.listen.rsplit(":", 1)
    upstream_host, upstream_port = args.upstream.rsplit(":", 1)
    proxy = RecordingProxy((listen_host, int(listen_port)), (upstream_host, int(upstream_port)))
    print(f"listening on {listen_host}:{proxy.start()}, forwarding to {args.upstream}; Ctrl-C stops", flush=True)
    try:
        while True:
            time.sleep(0.5)
            for exchange in proxy.drain():
                answer = "no response yet" if exchange.response is None else f"{len(exchange.response)} B response"
                print(f"conn {exchange.connection} {exchange.api_name} v{exchange.api_version} "
                      f"corr {exchange.correlation_id} header v{exchange.header_version} "
                      f"{len(exchange.request)} B request, {answer}", flush=True)
    except KeyboardInterrupt:
        proxy.stop()
    return 0


def command_summary(args: argparse.Namespace) -> int:
    print(golden.summary(Path(args.out)))
    manifest = json.loads((Path(args.out) / "manifest.json").read_text())
    for name, info in manifest["clients"].items():
        print(f"\n{name} {info['version']} against {info['broker']} on {info['captured_on']}")
        for note in info["notes"]:
            print(f"  - {note}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.capture", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="capture golden frames from every client")
    run.add_argument("--tansu", help="tansu binary (default: $TANSU_BIN, then PATH)")
    run.add_argument("--clients", default="all", help="comma-separated subset (default: all)")
    run.add_argument("--out", default=str(DEFAULT_OUT), help="golden directory (default: %(default)s)")
    run.add_argument("--node-modules", help="node_modules holding kafkajs (+ codecs) for the kafkajs workload")
    run.add_argument("--extra-pythonpath", action="append", default=[],
                     help="added to the Python workloads' PYTHONPATH (e.g. a --target dir with zstandard)")
    run.add_argument("--max-per-version", type=int, default=6,
                     help="distinct requests kept per client, API and version; Produce is not capped")
    run.add_argument("--client-timeout", type=float, default=300.0, help="seconds per client workload")
    run.add_argument("--log-dir", default="/tmp/wirekafka-capture", help="tansu and client logs")
    run.set_defaults(handler=command_run)

    proxy = commands.add_parser("proxy", help="run only the recording proxy, printing exchanges")
    proxy.add_argument("--listen", default="127.0.0.1:9093")
    proxy.add_argument("--upstream", default="127.0.0.1:9092")
    proxy.set_defaults(handler=command_proxy)

    show = commands.add_parser("summary", help="print the client x API table of a manifest")
    show.add_argument("--out", default=str(DEFAULT_OUT))
    show.set_defaults(handler=command_summary)

    args = parser.parse_args()
    return int(args.handler(args))


if __name__ == "__main__":
    sys.exit(main())
