"""``khabar dlq list|replay``: dead letters in news.dlq.v1 (pipelines.kafka.dlq_replay)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import typer
from rich.console import Console

from pipelines.config import get_settings
from pipelines.kafka.dlq_replay import ledger_path, list_dead_letters, replay

app = typer.Typer(help="List and replay dead letters (news.dlq.v1).", no_args_is_help=True)
console = Console()

_RELATIVE = re.compile(r"^(\d+)\s*([smhd])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def parse_since(value: str | None) -> datetime | None:
    """``2h``, ``30m``, ``7d`` (ago) or an ISO 8601 time (UTC when it has no offset)."""
    if not value:
        return None
    match = _RELATIVE.match(value.strip())
    if match:
        return datetime.now(UTC) - timedelta(**{_UNITS[match[2]]: int(match[1])})
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError as exc:
        raise typer.BadParameter(
            f"{value!r}: use 2h / 30m / 7d or an ISO time like 2026-11-29T06:00"
        ) from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


_STAGE = typer.Option(None, "--stage", help="Only this stage (fetch, extract, publish, index...).")
_SINCE = typer.Option(None, "--since", help="Only letters written since: 2h, 7d or an ISO time.")
_LIMIT = typer.Option(None, "--limit", help="At most N letters (oldest first).")
_REASON = typer.Option(None, "--reason", help="Only this reason (e.g. message_too_large).")


@app.command("list")
def list_cmd(stage: str = _STAGE, since: str = _SINCE, limit: int = _LIMIT, reason: str = _REASON) -> None:
    """Show dead letters: when, stage, reason, what, and whether the payload can be replayed."""
    settings = get_settings()
    count = 0
    for item in list_dead_letters(
        settings, stage=stage, since=parse_since(since), limit=limit, reason=reason
    ):
        letter = item.letter
        what = letter.article_id or letter.url or letter.key or "-"
        payload = letter.payload_format
        if letter.payload_ref is not None:
            payload = f"by reference, {letter.payload_ref.size:,} B at {letter.payload_ref.location}"
        console.print(
            f"[bold]#{item.position.offset}[/bold] {letter.last_failed_at:%Y-%m-%d %H:%M:%S} "
            f"[cyan]{letter.stage}[/cyan] [yellow]{letter.reason}[/yellow] ({letter.error_class}, "
            f"attempts {letter.attempts}) source={letter.source_id or '-'} id={what}",
            highlight=False,
        )
        console.print(f"    payload: {payload} -> {letter.target_topic or '-'}", highlight=False)
        console.print(f"    {letter.message[:300]}", highlight=False, markup=False)
        count += 1
    console.print(f"{count} dead letter(s) in {settings.topic_dlq}")


@app.command("replay")
def replay_cmd(
    stage: str = _STAGE,
    since: str = _SINCE,
    limit: int = _LIMIT,
    reason: str = _REASON,
    dry_run: bool = typer.Option(False, "--dry-run", help="Say what would be replayed; send nothing."),
    again: bool = typer.Option(False, "--again", help="Also replay letters replayed before."),
) -> None:
    """Re-publish the original payloads to their topics (only those now within limits)."""
    settings = get_settings()
    results = replay(
        settings,
        stage=stage,
        since=parse_since(since),
        limit=limit,
        reason=reason,
        dry_run=dry_run,
        again=again,
    )
    for r in results:
        where = (
            f"{r.target_topic}[{r.partition}]@{r.offset}" if r.offset is not None else r.target_topic or "-"
        )
        console.print(
            f"#{r.dlq_offset} {r.stage}/{r.reason}: [bold]{r.action}[/bold] -> {where}", highlight=False
        )
        if r.detail:
            console.print(f"    {r.detail[:300]}", highlight=False, markup=False)
    counts = {a: sum(r.action == a for r in results) for a in ("replayed", "would_replay", "skipped")}
    summary = ", ".join(f"{n} {a.replace('_', ' ')}" for a, n in counts.items() if n) or "nothing matched"
    console.print(summary + ("" if dry_run else f"; recorded in {ledger_path(settings)}"))
