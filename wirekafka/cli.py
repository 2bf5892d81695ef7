"""The ``wirekafka`` command: ``serve`` a broker, print a codec's generated source, and more."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click
import trio

from wirekafka.config import BrokerConfig, ConfigError


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
    logging.basicConfig(level=log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    pairs = list(overrides)
    if listen:
        pairs.append(f"listeners=PLAINTEXT://{listen}")
    if advertised_listener:
        pairs.append(f"advertised.listeners=PLAINTEXT://{advertised_listener}")
    if data_dir is not None:
        pairs.append(f"log.dirs={data_dir}")
    if node_id is not None:
        pairs.append(f"node.id={node_id}")
    try:
        config = BrokerConfig.from_sources(config_file, pairs)
        from wirekafka.broker.broker import Broker

        broker = Broker(config)
    except ConfigError as exc:
        raise click.UsageError(f"invalid configuration {exc}") from exc
    try:
        trio.run(_serve, broker)
    except KeyboardInterrupt:
        click.echo("wirekafka: stopped", err=True)


async def _serve(broker: object) -> None:
    from wirekafka.broker.broker import Broker

    assert isinstance(broker, Broker)
    async with trio.open_nursery() as nursery:
        bound = await nursery.start(broker.run)
        addresses = ", ".join(f"{b.host}:{b.port}" for b in bound)
        click.echo(f"wirekafka: listening on {addresses}, data in {broker.config.data_dir}", nl=True)
        sys.stdout.flush()


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


if __name__ == "__main__":
    main()
