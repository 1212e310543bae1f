"""The `hearth` command line (a public interface: every change is documented in README.md)."""

from __future__ import annotations

import gc

# Start-up is mostly imports, which build some 200,000 long-lived objects and no garbage worth a collection:
# the collector, walking them again and again as they pile up, took a tenth of the time to ready. It is on
# again once the imports are done (below); a serving process then freezes them (`bot.app.tune_for_serving`).
gc.disable()

import asyncio
import json
import sys
from datetime import UTC, datetime
from enum import Enum, StrEnum
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from bot.app import build_hearth, configure_logging, run_console, run_platform
from bot.core import event_loop
from bot.core.clock import SystemClock, VirtualClock
from bot.core.ingest import ActivityLost
from bot.core.refs import ANY_MEMBER_ID, CommunityRef
from bot.core.scheduling import VirtualScheduler
from bot.platforms import choose, registered, setting_names
from bot.platforms.console import CLOCK_FROM, CLOCK_UNTIL, CLOCK_YEARS, ScriptError, script_lines, script_text
from bot.platforms.slack.manifest import PLACEHOLDER_URL, build_manifest, checked_request_url
from cogs.privacy.service import history_csv, history_json
from cogs.recognition import importer
from config.settings import CONFIG_ERROR_EXIT, Settings, SettingsError, load_settings, masked_url, unknown_settings
from storage import identity, lifecycle
from storage.engine import Database, read_only_url, sqlite_file

gc.freeze()
gc.enable()

# The `--platform` values: auto, then every registered platform (bot/platforms/<name>/).
PlatformChoice = StrEnum("PlatformChoice", {name: name for name in ("auto", *registered())})  # type: ignore[misc]
app = typer.Typer(help="Hearth, a community bot for Discord, Slack and the console.", no_args_is_help=True)


Choice = TypeVar("Choice", bound=StrEnum)


def _choice(kind: type[Choice], help: str, *names: str) -> Any:
    """A `typer.Option` for one of `kind`'s values, case aside (`--platform Console`, as HEARTH_PLATFORM takes it).
    Typer's own check of an enum option words its refusal through pydantic ("Value error, 'xml' is not one of
    ..."): this one says the same without pydantic's prefix."""

    values = [choice.value for choice in kind]

    def parse(value: str | Choice) -> Choice:
        if isinstance(value, kind):
            return value
        try:
            return kind(value.lower())
        except ValueError:
            raise typer.BadParameter(f"{value!r} is not one of {', '.join(map(repr, values))}.") from None

    # What typer shows and completes for an enum option, which a parser alone would leave as <str>.
    return typer.Option(*names, help=help, parser=parse, metavar=f"<{'|'.join(values)}>", autocompletion=lambda: values)


def _load_settings(**overrides: object) -> Settings:
    """`load_settings`, after a warning on standard error for each name that looks like a setting but is none
    (`config.settings.unknown_settings`: a misspelt name leaves its setting on the default)."""
    settings = load_settings(**overrides)
    for line in unknown_settings(setting_names()):
        typer.echo(f"warning: {line}", err=True)
    return settings


def _start_time(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"'{text}' is not an ISO time like 2026-03-02T09:00", param_hint="'--start'") from None
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    if not CLOCK_FROM <= moment < CLOCK_UNTIL:
        first, last = CLOCK_YEARS
        raise typer.BadParameter(
            f"'{text}' is not in the years the console's clock runs, {first} to {last}", param_hint="'--start'"
        )
    return moment


def _print_version(wanted: bool) -> None:
    if wanted:
        typer.echo(f"hearth {package_version('hearth')}")
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[
        bool,
        typer.Option(
            "--version", help="Print Hearth's version and exit.", callback=_print_version, is_eager=True, metavar=""
        ),
    ] = False,
) -> None:
    """Options before the command (`hearth --version`)."""


def _serve(settings: Settings) -> None:
    try:
        event_loop.run(run_platform(settings))  # hands the GIL to the database's thread under load
    except ActivityLost as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from None
    except ScriptError as error:
        typer.echo(f"error: script {error}", err=True)
        raise typer.Exit(1) from None
    except SettingsError as error:  # an unknown platform or a missing token too
        for line in str(error).splitlines():
            typer.echo(f"error: {line}", err=True)
        raise typer.Exit(CONFIG_ERROR_EXIT) from None


@app.command()
def run(
    platform: Annotated[
        PlatformChoice | None, _choice(PlatformChoice, f"{', '.join(registered())}; default: from the tokens present")
    ] = None,
) -> None:
    """Start Hearth on the chosen platform (the console when no Discord or Slack token is set)."""
    settings = _load_settings(hearth_platform=platform.value if isinstance(platform, Enum) else None)
    try:  # `auto` picks the console when no token is set: it logs as `hearth console` does
        on_console = choose(settings.hearth_platform)[0].virtual_time
    except SettingsError:
        on_console = False  # _serve reports it
    configure_logging(settings, console=on_console)
    _serve(settings)


@app.command()
def console(
    script: Annotated[Path | None, typer.Option(exists=True, dir_okay=False, help="Run this script")] = None,
    start: Annotated[str | None, typer.Option(help="Virtual clock start, ISO 8601 (default: now)")] = None,
) -> None:
    """The console platform: interactive, or a script from --script or standard input."""
    settings = _load_settings(hearth_platform="console")
    configure_logging(settings, console=True)
    lines: list[str] | None = None
    try:
        if script is not None:
            try:
                data = script.read_bytes()
            except OSError as error:
                typer.echo(f"error: {script}: cannot read it: {error.strerror or error}", err=True)
                raise typer.Exit(1) from None
            lines = script_lines(script_text(data))
        elif not sys.stdin.isatty():
            lines = script_lines(script_text(sys.stdin.buffer.read()))
        event_loop.run(run_console(settings, lines, _start_time(start)))
    except ActivityLost as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from None
    except ScriptError as error:
        typer.echo(f"error: script {error}", err=True)
        raise typer.Exit(1) from None


@app.command()
def migrate() -> None:
    """Apply database migrations (Hearth also does this at every start)."""
    settings = _load_settings()

    async def upgrade() -> str:
        db = Database.open(settings.database_url)
        try:
            return await db.migrate()
        finally:
            await db.dispose()

    done = {"built": "built new", "upgraded": "upgraded", "current": "nothing to do"}[asyncio.run(upgrade())]
    # Said as the log and every error say it: the password hidden, since this line lands in deploy logs too. A
    # relative SQLite path is named in full, as the start line does: run from another folder, `hearth migrate`
    # builds a new, empty database there.
    file = sqlite_file(settings.database_url)
    where = f" ({file.absolute()})" if file is not None and not file.is_absolute() else ""
    typer.echo(f"database is up to date: {masked_url(settings.database_url)}{where} ({done})")


class ManifestFormat(StrEnum):
    YAML = "yaml"
    JSON = "json"


@app.command("slack-manifest")
def slack_manifest(
    output_format: Annotated[ManifestFormat, _choice(ManifestFormat, "yaml or json", "--format")] = ManifestFormat.YAML,
    http: Annotated[
        bool, typer.Option("--http", help="HTTP mode (request URLs) instead of Socket Mode", metavar="")
    ] = False,
    url: Annotated[
        str | None,
        typer.Option(help=f"The public URL of /slack/events; implies --http (default {PLACEHOLDER_URL})"),
    ] = None,
) -> None:
    """Print a Slack app manifest with every Hearth command, the scopes and the events it needs."""
    # Only the command registry is needed: an in-memory database that is never opened.
    clock = VirtualClock()
    hearth = build_hearth(load_settings(database_url="sqlite+aiosqlite:///:memory:"), clock, VirtualScheduler(clock))
    if url is not None:
        try:
            url = checked_request_url(url)
        except ValueError as error:
            raise typer.BadParameter(str(error), param_hint="--url") from None
    # A request URL only means something in HTTP mode, so giving one asks for it.
    http_mode = http or url is not None
    manifest = build_manifest(hearth.registry, socket_mode=not http_mode, url=PLACEHOLDER_URL if url is None else url)
    if output_format is ManifestFormat.JSON:
        typer.echo(json.dumps(manifest, indent=2, ensure_ascii=False))
    else:
        import yaml  # only here: every other command starts without it

        typer.echo(yaml.safe_dump(manifest, sort_keys=False, allow_unicode=True), nl=False)


class ExportFormat(StrEnum):
    CSV = "csv"
    JSON = "json"


@app.command("export")
def export(
    community: Annotated[
        str,
        typer.Option(
            help="Hearth's id of the community, or the platform's (Discord server id, Slack team id, console)"
        ),
    ],
    output_format: Annotated[ExportFormat, _choice(ExportFormat, "csv or json", "--format")] = ExportFormat.CSV,
    output: Annotated[Path | None, typer.Option(help="Write to this file (default: standard output)")] = None,
) -> None:
    """Print a community's contribution history (what /export gives admins), oldest first."""
    settings = _load_settings()
    # Opening a SQLite file creates it: a mistyped DATABASE_URL would leave an empty database behind and read
    # as a community that is not there.
    database = sqlite_file(settings.database_url)
    if database is not None and not database.exists():
        typer.echo(f"error: there is no database at {database} (DATABASE_URL): nothing to export", err=True)
        raise typer.Exit(1)

    async def read() -> list[lifecycle.HistoryRow] | None:
        db = Database.open(read_only_url(settings.database_url))
        try:
            await db.migrate(read_only=True)  # an export only reads
            async with db.read() as session:
                found = [c for c in await identity.all_communities(session) if community in (str(c.id), c.external_id)]
                if len(found) != 1:
                    return None
                return await lifecycle.history(session, found[0].id, None)
        finally:
            await db.dispose()

    rows = asyncio.run(read())
    if rows is None:
        typer.echo(f"error: no community has the id {community!r} (Hearth's id or the platform's)", err=True)
        raise typer.Exit(1)
    data = history_csv(rows) if output_format is ExportFormat.CSV else history_json(rows)
    if output is None:
        sys.stdout.write(data.decode())
    else:
        try:
            output.write_bytes(data)
        except OSError as error:
            typer.echo(f"error: cannot write {output}: {error.strerror or error}", err=True)
            raise typer.Exit(1) from None
        typer.echo(f"{len(rows)} contributions written to {output}", err=True)


# The platform a community lives on: every registered platform (no `auto`: a community is on one).
CommunityPlatform = StrEnum("CommunityPlatform", {name: name for name in registered()})  # type: ignore[misc]
points_app = typer.Typer(help="Points: bring them from another bot.", no_args_is_help=True)
app.add_typer(points_app, name="points")


@points_app.command("import")
def points_import(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV with a header: member,points,level")],
    community: Annotated[
        str,
        typer.Option(help="The community: the platform's id (Discord server id, Slack team id, console) or Hearth's"),
    ],
    platform: Annotated[
        CommunityPlatform | None,
        _choice(CommunityPlatform, "Its platform; needed for a community Hearth has not seen yet"),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check the file and say what it would do", metavar="")
    ] = False,
) -> None:
    """Import members' points from another bot (MEE6 and others) as audited adjustments.

    Running the same file again adds nothing. Exit status 1 when a line could not be imported (the others are)."""
    settings = _load_settings()
    chosen = platform.value if isinstance(platform, Enum) else None
    # Opening a SQLite file creates it: a dry run, which writes nothing, built a whole new database.
    database = sqlite_file(settings.database_url)
    if dry_run and database is not None and not database.exists():
        typer.echo(
            f"error: there is no database at {database} (DATABASE_URL): a dry run creates none; check DATABASE_URL, "
            "or import without --dry-run into a new database",
            err=True,
        )
        raise typer.Exit(1)
    try:
        text = file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        line = file.read_bytes()[: error.start].count(b"\n") + 1
        typer.echo(
            f"error: {file}:{line} is not UTF-8: save the file as UTF-8 (CSV UTF-8 in a spreadsheet) and import "
            "it again; nothing was imported",
            err=True,
        )
        raise typer.Exit(1) from None
    except OSError as error:
        typer.echo(f"error: cannot read {file}: {error.strerror or error}", err=True)
        raise typer.Exit(1) from None

    async def run() -> importer.ImportResult | str:
        clock = SystemClock()
        # Only recognition: the import needs its settings section, whichever features HEARTH_COGS serves.
        hearth = build_hearth(settings, clock, VirtualScheduler(VirtualClock()), cogs=("cogs.recognition",))
        try:
            await hearth.db.migrate()
            async with hearth.db.read() as session:
                known = [
                    c
                    for c in await identity.all_communities(session)
                    if community in (c.external_id, str(c.id)) and chosen in (None, c.platform)
                ]
            if chosen is None and len(known) != 1:
                return (
                    f"no community has the id “{community}”: give --platform ({', '.join(registered())}) to import "
                    "into one Hearth has not seen yet"
                    if not known
                    else f"several communities have the id “{community}”: give --platform"
                )
            ref = (
                CommunityRef(known[0].platform, known[0].external_id, known[0].name)
                if known
                else CommunityRef(chosen or "", community)
            )
            target = await hearth.services.identity.community(ref)
            platform = registered().get(ref.platform)
            ids = platform.member_ids if platform else ANY_MEMBER_ID
            return await importer.import_points(hearth.services, target, text, file.name, ids=ids, dry_run=dry_run)
        except importer.ImportRefused as refused:
            return str(refused)
        finally:
            await hearth.db.dispose()

    result = asyncio.run(run())
    if isinstance(result, str):
        typer.echo(f"error: {result}", err=True)
        raise typer.Exit(1)
    for problem in result.problems:
        typer.echo(problem, err=True)
    typer.echo(importer.summary(result, dry_run=dry_run))
    if result.failed:
        raise typer.Exit(1)


def main() -> None:
    """The `hearth` entry point: a configuration error is reported in a line per setting, never a traceback,
    with the one exit code CONFIG_ERROR_EXIT."""
    try:
        app()
    except SettingsError as error:
        for line in str(error).splitlines():
            typer.echo(f"error: {line}", err=True)
        sys.exit(CONFIG_ERROR_EXIT)


if __name__ == "__main__":
    main()
