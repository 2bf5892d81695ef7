"""How long creating partitions holds up the other requests of a broker.

Run ``.venv/bin/python benchmarks/bench_create_topics.py`` (``--partitions 50`` for a rough
pass). It starts ``wirekafka serve`` as a subprocess on a free port with a temp data dir (stopped
and removed at the end). While a raw connection sends ApiVersions back to back, each as soon as
the previous one is answered, another connection sends:

1. FindCoordinator for a new group, a consumer's first request to a fresh broker: it creates
   ``__consumer_offsets`` (50 partitions);
2. CreateTopics of ``--partitions`` partitions (200).

For each it prints how long the request took and the latency of the ApiVersions answered
meanwhile: median, p99 and the longest. A broker that creates the partitions' files on its event
loop shows a longest answer as long as the request; one that creates them on a worker thread
(``ReplicaManager.prepare_metadata``) a few milliseconds. Figures are recorded in
``docs/performance.md`` ("Creating partitions and the other requests").
"""

from __future__ import annotations

import argparse
import gc
import socket
import statistics
import struct
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_produce_consume import started_broker
from bench_server import api_versions_request, read_frame, with_correlation_id

from wirekafka.protocol.framing import RequestHeader, decode_response, encode_request
from wirekafka.protocol.messages import REQUESTS

FIND_COORDINATOR = 10
CREATE_TOPICS = 19


class Prober(threading.Thread):
    """ApiVersions back to back on one connection until stopped; keeps (sent at, latency)."""

    def __init__(self, address: tuple[str, int]) -> None:
        super().__init__(daemon=True)
        self.address = address
        self.answers: list[tuple[float, float]] = []
        self.stopping = threading.Event()

    def run(self) -> None:
        kind = api_versions_request()
        with socket.create_connection(self.address) as sock:
            correlation_id = 0
            while not self.stopping.is_set():
                correlation_id += 1
                sent = time.perf_counter()
                sock.sendall(with_correlation_id(kind.frame, correlation_id))
                (answered,) = struct.unpack_from(">i", read_frame(sock), 0)
                self.answers.append((sent, time.perf_counter() - sent))
                if answered != correlation_id:
                    raise RuntimeError("answers out of order")


def exchange(sock: socket.socket, api_key: int, version: int, request: Any) -> Any:
    sock.sendall(encode_request(RequestHeader(api_key, version, 1, "bench-create-topics"), request))
    return decode_response(api_key, version, read_frame(sock))[1]


def find_coordinator(sock: socket.socket) -> Any:
    request = REQUESTS[FIND_COORDINATOR](key_type=0, coordinator_keys=[f"bench-{uuid.uuid4().hex[:8]}"])
    (found,) = exchange(sock, FIND_COORDINATOR, 4, request).coordinators
    return found.error_code


def create_topic(sock: socket.socket, partitions: int) -> Any:
    topic = REQUESTS[CREATE_TOPICS].CreatableTopic(
        name=f"created-{uuid.uuid4().hex[:8]}", num_partitions=partitions, replication_factor=1
    )
    request = REQUESTS[CREATE_TOPICS](topics=[topic], timeout_ms=60_000)
    (created,) = exchange(sock, CREATE_TOPICS, 7, request).topics
    return created.error_code


def measured(address: tuple[str, int], label: str, action: Any) -> None:
    """Run ``action`` while probing; print its time and the probes' latencies meanwhile."""
    prober = Prober(address)
    prober.start()
    time.sleep(0.2)
    started = time.perf_counter()
    error_code = action()
    ended = time.perf_counter()
    prober.stopping.set()
    prober.join(30)
    during = sorted(latency for sent, latency in prober.answers if started <= sent + latency and sent <= ended)
    if not during:
        raise RuntimeError("no ApiVersions answered during the request")
    p99 = during[min(len(during) - 1, int(len(during) * 0.99))]
    print(
        f"{label:<40} {1000 * (ended - started):7.0f} ms (error {error_code}); "
        f"{len(during):,} ApiVersions meanwhile: median {1000 * statistics.median(during):.2f} ms, "
        f"p99 {1000 * p99:.2f} ms, longest {1000 * during[-1]:.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--partitions", type=int, default=200)
    args = parser.parse_args()
    with started_broker(None) as (bootstrap, _pid):
        host, port = bootstrap.rsplit(":", 1)
        address = (host, int(port))
        gc.disable()  # this process's own full collections would count as the broker's
        try:
            with socket.create_connection(address) as sock:
                measured(address, "FindCoordinator (creates 50 partitions)", lambda: find_coordinator(sock))
                measured(
                    address,
                    f"CreateTopics of {args.partitions} partitions",
                    lambda: create_topic(sock, args.partitions),
                )
        finally:
            gc.enable()


if __name__ == "__main__":
    main()
