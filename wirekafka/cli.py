"""The ``wirekafka`` command: ``serve`` a broker, print a codec's generated source, and the client
commands ``topics``, ``produce``, ``consume`` and ``groups``.

Imports are deferred to the command that needs them: ``serve`` imports trio and the broker, the
client commands import kafka-python (through ``wirekafka/tools/``), and neither pays for the
other. ``wirekafka topics list`` does not import trio or the codec.
"""

from __future__ import annotations

import functools
import gc
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    import trio

    from wirekafka.broker.broker import Broker


@click.group()
@click.version_option(package_name="wirekafka")
def main() -> None:
    """wirekafka: a Kafka wire-protocol compatible broker."""


@main.command()
@click.option("--listen", default=None, metavar="HOST:PORT", help="Address to listen on [127.0.0.1:9092].")
@click.option("--advertised-listener", default=None, metavar="HOST:PORT", help="Address given to clients.")
@click.option(
    "--data-dir", default=None, type=click.Path(path_type=Path), help="Data directory [./wirekafka-data]."
)
@click.option("--node-id", default=None, type=int, help="This node's id [1].")
@click.option(
    "--config",
    "config_file",
    default=None,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A Kafka server.properties file.",
)
@click.option(
    "-o",
    "--override",
    "overrides",
    multiple=True,
    metavar="KEY=VALUE",
    help="Set a Kafka configuration (repeatable), e.g. -o num.partitions=3.",
)
@click.option("--log-level", default="WARNING", type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"]))
def serve(
    listen: str | None,
    advertised_listener: str | None,
    data_dir: Path | None,
    node_id: int | None,
    config_file: Path | None,
    overrides: tuple[str, ...],
    log_level: str,
) -> None:
    """Run a single broker (and controller) node until Ctrl-C."""
    pairs = list(overrides)
    if listen:
        pairs.append(f"listeners=PLAINTEXT://{listen}")
    if advertised_listener:
        pairs.append(f"advertised.listeners=PLAINTEXT://{advertised_listener}")
    if data_dir is not None:
        pairs.append(f"log.dirs={data_dir}")
    if node_id is not None:
        pairs.append(f"node.id={node_id}")
    # Starting allocates ~40k objects that live as long as the process (modules, classes, compiled
    # codecs) and almost no garbage cycles; with the collector on, ~85 collections walked them
    # again and again, ~20 ms of the start. It is off until the broker is fully started, when
    # ``_serve`` freezes what exists and turns it back on (and here, if the start fails).
    gc.disable()
    try:
        _run_broker(config_file, pairs, log_level)
    finally:
        gc.enable()


def _run_broker(config_file: Path | None, pairs: list[str], log_level: str) -> None:
    """Build the broker from ``server.properties`` and ``key=value`` pairs, and serve it."""
    import trio

    from wirekafka.config import BrokerConfig, ConfigError

    logging.basicConfig(level=log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    _raise_open_files_limit()
    try:
        config = BrokerConfig.from_sources(config_file, pairs)
        from wirekafka.broker.broker import Broker

        broker = Broker(config)
    except ConfigError as exc:
        raise click.UsageError(f"invalid configuration {exc}") from exc
    try:
        trio.run(_serve, broker)
    except* KeyboardInterrupt:
        # A second Ctrl-C during a shutdown that hangs; trio delivers it inside an exception group.
        click.echo("wirekafka: interrupted before a clean shutdown", err=True)
        sys.exit(130)
    click.echo("wirekafka: stopped", err=True)


def _raise_open_files_limit() -> None:
    """Raise this process's soft limit on open files to its hard limit, as the JVM does for Kafka
    (HotSpot's ``MaxFDLimit``, on by default).

    A broker holds a descriptor per log segment and per connection. The soft limit most shells
    and systemd give is 1024, which a dev broker outgrows at ~1000 partitions (then every new
    log and every accept fails with EMFILE); the hard limit is usually far higher. When the hard
    limit is unlimited the kernel refuses it as a soft limit (macOS, some containers): the limit
    is then left as it was.
    """
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == hard:
        return
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    except (ValueError, OSError) as exc:
        logging.getLogger(__name__).info("open files limit left at %d (hard limit %d): %s", soft, hard, exc)


async def _serve(broker: Broker) -> None:
    """Run ``broker`` until SIGINT or SIGTERM, then stop it cleanly (cancel: every component
    closes its logs, writes its checkpoints and the clean-shutdown marker).

    SIGTERM is what ``kill``, systemd and ``docker stop`` send; without a handler the process
    died on the spot (no clean shutdown, so log recovery on the next start) or, as PID 1 in a
    container, ignored it until SIGKILL. Ctrl-C used to surface as a KeyboardInterrupt wrapped in
    an exception group (trio's strict groups), which escaped ``except KeyboardInterrupt`` and
    printed a traceback with exit status 1.
    """
    import trio

    async with trio.open_nursery() as nursery:
        await nursery.start(_stop_on_signal, nursery.cancel_scope)
        bound = await nursery.start(broker.run)
        addresses = ", ".join(f"{b.host}:{b.port}" for b in bound)
        click.echo(f"wirekafka: listening on {addresses}, data in {broker.config.data_dir}", nl=True)
        sys.stdout.flush()
        await broker.fully_started.wait()
        # What exists now (modules, compiled codecs, the loaded logs) lives as long as the process:
        # out of the collector's sight, a full collection no longer walks it. Each one had held
        # every connection ~20 ms here, which a compaction pass, allocating per record, set off
        # every second or so. ``serve`` kept the collector off until now.
        gc.freeze()
        gc.enable()


async def _stop_on_signal(cancel_scope: trio.CancelScope, *, task_status: trio.TaskStatus[None]) -> None:
    """Cancel ``cancel_scope`` on the first SIGINT or SIGTERM. The handlers are removed then, so
    a second Ctrl-C interrupts a shutdown that hangs (KeyboardInterrupt, see ``serve``)."""
    import signal

    import trio

    with trio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
        task_status.started()
        async for signal_number in signals:
            click.echo(f"wirekafka: {signal.Signals(signal_number).name}, stopping", err=True)
            cancel_scope.cancel()
            return


@main.command(context_settings={"ignore_unknown_options": True})
@click.option(
    "--bootstrap",
    default=None,
    metavar="HOST:PORT",
    help="Broker to test; without it a wirekafka broker is started for the run.",
)
@click.option(
    "--report-dir",
    default="conformance-report",
    type=click.Path(file_okay=False, path_type=Path),
    show_default=True,
    help="Where conformance-report.md and .json are written.",
)
@click.argument("pytest_args", nargs=-1, type=click.UNPROCESSED)
def conformance(bootstrap: str | None, report_dir: Path, pytest_args: tuple[str, ...]) -> None:
    """Run the conformance suite (stock clients) against any Kafka-compatible broker.

    Extra arguments go to pytest, e.g. `-k produce` or `--clients kafka-python`.
    """
    try:
        from conformance_tests.runner import run
    except ImportError as exc:  # installed without the suite, or without the test extra
        raise click.ClickException(f"the conformance suite needs the test extra: {exc}") from exc
    raise SystemExit(run(bootstrap, report_dir, pytest_args))


@main.command("codec-source")
@click.argument("name")
@click.argument("version", type=int)
def codec_source(name: str, version: int) -> None:
    """Print the generated encoder/decoder of message NAME (e.g. FetchRequest) at VERSION."""
    from wirekafka.protocol.compiler import codec_source as source
    from wirekafka.protocol.errors import UnsupportedVersionError
    from wirekafka.protocol.messages import ALL

    if name not in ALL:
        raise click.UsageError(f"unknown message {name!r}; known: {', '.join(sorted(ALL))}")
    try:
        click.echo(source(ALL[name], version))
    except UnsupportedVersionError as exc:
        raise click.UsageError(str(exc)) from exc


# -- client commands: plain Kafka clients (kafka-python), for any Kafka-compatible broker ----------

F = TypeVar("F", bound=Callable[..., Any])


def client_options(function: F) -> F:
    """``--bootstrap`` and ``--connect-timeout`` on every client command; ToolError -> exit 1."""

    @functools.wraps(function)
    def run(*args: Any, **kwargs: Any) -> Any:
        from wirekafka.tools.clients import ToolError, quiet_client_logs

        quiet_client_logs(debug=kwargs.pop("debug"))
        try:
            return function(*args, **kwargs)
        except ToolError as exc:
            raise click.ClickException(str(exc)) from exc

    decorated: Any = run
    for option in (
        click.option(
            "--debug", is_flag=True, help="Log the Kafka client's activity (kafka-python) to stderr."
        ),
        click.option(
            "--connect-timeout",
            type=click.FloatRange(min=0.1),
            default=10.0,
            show_default=True,
            metavar="SECONDS",
            help="How long to try the bootstrap servers before giving up.",
        ),
        click.option(
            "-b",
            "--bootstrap",
            "--bootstrap-server",
            "bootstrap",
            envvar="WIREKAFKA_BOOTSTRAP",
            default="localhost:9092",
            show_default=True,
            metavar="HOST:PORT[,HOST:PORT...]",
            help="Broker(s) to contact first [env WIREKAFKA_BOOTSTRAP].",
        ),
    ):
        decorated = option(decorated)
    return decorated  # type: ignore[no-any-return]


_FORMAT = click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text for people, json (one object per line) for scripts.",
)


@main.group()
def topics() -> None:
    """List, create, describe and delete topics."""


@topics.command("list")
@client_options
@click.option("--exclude-internal", is_flag=True, help="Leave out __consumer_offsets and the like.")
def topics_list(bootstrap: str, connect_timeout: float, exclude_internal: bool) -> None:
    """Print the name of every topic, one per line."""
    from wirekafka.tools import topics as tool
    from wirekafka.tools.clients import admin_client

    with admin_client(bootstrap, connect_timeout) as admin:
        for name in tool.list_topics(admin, include_internal=not exclude_internal):
            click.echo(name)


@topics.command("create")
@client_options
@click.argument("names", metavar="TOPIC...", nargs=-1, required=True)
@click.option(
    "--partitions",
    type=click.IntRange(min=1),
    default=None,
    help="Partition count [broker's num.partitions].",
)
@click.option(
    "--replication-factor",
    type=click.IntRange(min=1),
    default=None,
    help="Replicas per partition [broker's default.replication.factor].",
)
@click.option("--config", "configs", multiple=True, metavar="KEY=VALUE", help="Topic config (repeatable).")
def topics_create(
    bootstrap: str,
    connect_timeout: float,
    names: tuple[str, ...],
    partitions: int | None,
    replication_factor: int | None,
    configs: tuple[str, ...],
) -> None:
    """Create one or more topics; fails if any could not be created."""
    from wirekafka.tools import topics as tool
    from wirekafka.tools.clients import admin_client

    parsed = tool.parse_configs(configs)
    with admin_client(bootstrap, connect_timeout) as admin:
        outcomes = tool.create_topics(
            admin, list(names), partitions=partitions, replication_factor=replication_factor, configs=parsed
        )
    _report(outcomes, "Created topic {}.", "Error while creating topic {}: {}")


@topics.command("delete")
@client_options
@click.argument("names", metavar="TOPIC...", nargs=-1, required=True)
def topics_delete(bootstrap: str, connect_timeout: float, names: tuple[str, ...]) -> None:
    """Delete one or more topics and their data; fails if any could not be deleted."""
    from wirekafka.tools import topics as tool
    from wirekafka.tools.clients import admin_client

    with admin_client(bootstrap, connect_timeout) as admin:
        outcomes = tool.delete_topics(admin, list(names))
    _report(outcomes, "Deleted topic {}.", "Error while deleting topic {}: {}")


def _report(outcomes: list[Any], success: str, failure: str) -> None:
    failed = 0
    for outcome in outcomes:
        if outcome.error is None:
            click.echo(success.format(outcome.name))
        else:
            failed += 1
            click.echo(failure.format(outcome.name, outcome.error), err=True)
    if failed:
        sys.exit(1)


@topics.command("describe")
@client_options
@click.argument("names", metavar="[TOPIC...]", nargs=-1)
@click.option("--exclude-internal", is_flag=True, help="Leave out internal topics (when listing all).")
@_FORMAT
def topics_describe(
    bootstrap: str, connect_timeout: float, names: tuple[str, ...], exclude_internal: bool, output_format: str
) -> None:
    """Partitions, leaders, replicas, ISR and non-default configs of TOPICs (all topics if none)."""
    import json

    from wirekafka.tools import topics as tool
    from wirekafka.tools.clients import admin_client

    with admin_client(bootstrap, connect_timeout) as admin:
        described = tool.describe_topics(admin, list(names) or None, include_internal=not exclude_internal)
    for topic in described:
        if output_format == "json":
            click.echo(json.dumps(topic.to_dict()))
        else:
            for line in tool.describe_lines(topic):
                click.echo(line)


@main.command()
@client_options
@click.argument("topic")
@click.option(
    "--key-separator",
    default=None,
    metavar="SEP",
    help="Each line is KEY<SEP>VALUE, split at the first SEP (a line without it is an error; "
    "\\t and \\n are understood).",
)
@click.option(
    "--acks",
    type=click.Choice(["0", "1", "all", "-1"]),
    default="all",
    show_default=True,
    help="Acknowledgements to wait for (all = every in-sync replica; idempotent).",
)
@click.option(
    "--compression",
    type=click.Choice(["none", "gzip", "snappy", "lz4", "zstd"]),
    default="none",
    show_default=True,
)
@click.option(
    "--partition", type=click.IntRange(min=0), default=None, help="Send every record to this partition."
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0.1),
    default=60.0,
    show_default=True,
    metavar="SECONDS",
    help="Longest wait for the topic's metadata, buffer space, or an acknowledgement.",
)
@click.option(
    "--idempotence/--no-idempotence",
    default=None,
    help="Idempotent producer (no duplicates on retries) [on with --acks all if the broker serves "
    "InitProducerId].",
)
def produce(
    bootstrap: str,
    connect_timeout: float,
    topic: str,
    key_separator: str | None,
    acks: str,
    compression: str,
    partition: int | None,
    timeout: float,
    idempotence: bool | None,
) -> None:
    """Send each line of standard input to TOPIC as one record (bytes as they are, without the newline)."""
    from wirekafka.tools.clients import ToolError
    from wirekafka.tools.produce import produce_lines

    if key_separator == "":
        raise click.BadParameter("must not be empty", param_hint="--key-separator")
    summary = produce_lines(
        sys.stdin.buffer,
        topic,
        bootstrap=bootstrap,
        connect_timeout=connect_timeout,
        key_separator=None if key_separator is None else _unescape(key_separator),
        acks=acks,
        compression=compression,
        partition=partition,
        timeout=timeout,
        idempotence=idempotence,
    )
    if summary.failed or summary.acknowledged < summary.sent:
        unsettled = summary.sent - summary.acknowledged
        raise ToolError(
            f"{unsettled} of {summary.sent} records to {topic} were not acknowledged"
            + (f": {'; '.join(summary.errors)}" if summary.errors else "")
        )


@main.command()
@client_options
@click.argument("topic")
@click.option(
    "--from-beginning", is_flag=True, help="Start at the earliest offset (for a group: if it has none)."
)
@click.option("--group", default=None, help="Join this consumer group and commit what was printed.")
@click.option("--max-messages", type=click.IntRange(min=0), default=None, help="Stop after N records.")
@click.option(
    "--timeout",
    type=click.FloatRange(min=0),
    default=None,
    metavar="SECONDS",
    help="Stop after SECONDS without a record [wait until Ctrl-C].",
)
@_FORMAT
@click.option("--print-key", is_flag=True, help="text format: print KEY<SEP>VALUE.")
@click.option(
    "--key-separator",
    default="\\t",
    show_default=True,
    metavar="SEP",
    help="Separator for --print-key (\\t and \\n are understood).",
)
def consume(
    bootstrap: str,
    connect_timeout: float,
    topic: str,
    from_beginning: bool,
    group: str | None,
    max_messages: int | None,
    timeout: float | None,
    output_format: str,
    print_key: bool,
    key_separator: str,
) -> None:
    """Print the records of TOPIC: values one per line, or JSON objects with --format json."""
    from wirekafka.tools.consume import ConsumeOptions, consume, record_json, record_text

    separator = _unescape(key_separator).encode()

    def emit(record: Any) -> None:
        if output_format == "json":
            click.echo(record_json(record))
        else:
            click.echo(record_text(record, print_key=print_key, key_separator=separator))

    options = ConsumeOptions(
        topic=topic,
        bootstrap=bootstrap,
        connect_timeout=connect_timeout,
        group=group,
        from_beginning=from_beginning,
        max_messages=max_messages,
        timeout=timeout,
    )
    count = consume(options, emit)
    click.echo(f"Processed a total of {count} messages", err=True)


def _unescape(separator: str) -> str:
    """``\\t`` and ``\\n`` typed on a command line mean a tab and a newline, as in Kafka's tools."""
    return separator.replace("\\t", "\t").replace("\\n", "\n")


@main.group()
def groups() -> None:
    """List, describe and delete consumer groups."""


@groups.command("list")
@client_options
@_FORMAT
def groups_list(bootstrap: str, connect_timeout: float, output_format: str) -> None:
    """Print the id of every consumer group, one per line."""
    import json
    from dataclasses import asdict

    from wirekafka.tools import groups as tool
    from wirekafka.tools.clients import admin_client

    with admin_client(bootstrap, connect_timeout) as admin:
        listed = tool.list_groups(admin)
    for group in listed:
        click.echo(json.dumps(asdict(group)) if output_format == "json" else group.group_id)


@groups.command("describe")
@client_options
@click.argument("group_ids", metavar="GROUP...", nargs=-1, required=True)
@_FORMAT
def groups_describe(
    bootstrap: str, connect_timeout: float, group_ids: tuple[str, ...], output_format: str
) -> None:
    """State, members, committed offsets and lag of each GROUP."""
    import json

    from wirekafka.tools import groups as tool
    from wirekafka.tools.clients import admin_client

    with admin_client(bootstrap, connect_timeout) as admin:
        described = tool.describe_groups(admin, list(group_ids))
    for group in described:
        if output_format == "json":
            click.echo(json.dumps(group.to_dict()))
        else:
            for line in tool.describe_lines(group):
                click.echo(line)


@groups.command("delete")
@client_options
@click.argument("group_ids", metavar="GROUP...", nargs=-1, required=True)
def groups_delete(bootstrap: str, connect_timeout: float, group_ids: tuple[str, ...]) -> None:
    """Delete GROUPs and their committed offsets (a group with active members cannot be deleted)."""
    from wirekafka.tools import groups as tool
    from wirekafka.tools.clients import admin_client

    with admin_client(bootstrap, connect_timeout) as admin:
        results = tool.delete_groups(admin, list(group_ids))
    failed = 0
    for group_id in group_ids:
        error = results.get(group_id, "no answer for this group")
        if error is None:
            click.echo(f"Deleted group {group_id}.")
        else:
            failed += 1
            click.echo(f"Error while deleting group {group_id}: {error}", err=True)
    if failed:
        sys.exit(1)


if __name__ == "__main__":
    main()
