"""Crawl state: which URLs were seen (with their HTTP validators) and which article content was seen.

SQLAlchemy Core, so the same code runs on the default SQLite file (``Settings.state_db_url``) and on
any production database. It survives restarts and is safe for several workers: every change is one
short transaction, inserts are upserts, and "is this article new or changed" is a compare-and-set,
so two workers racing on one article report it once.

Tables: ``khabar_crawl_urls`` (URL -> ETag / Last-Modified, last status, first/last seen),
``khabar_crawl_articles`` (article_id -> content hash, first/last seen, number of versions),
``khabar_crawl_claims`` (URL -> which source fetches it now, when it was last fetched: two workers
scraping overlapping sources never fetch one page at once, nor twice within
``Settings.fetch_fresh_seconds``) and ``khabar_crawl_pending`` (articles recorded as seen whose
publication is not confirmed yet: a worker killed between the two leaves them here, and the next
attempt of that source forgets them, so they are fetched and published again rather than lost).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    delete,
    event,
    func,
    insert,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import IntegrityError, OperationalError

from pipelines.config import Settings
from pipelines.model import Article

metadata = MetaData()

crawl_urls = Table(
    "khabar_crawl_urls",
    metadata,
    Column("url_hash", String(64), primary_key=True),  # sha256(url): URLs are too long for some PKs
    Column("url", Text, nullable=False),
    Column("source_id", String(64), nullable=False, index=True),
    Column("kind", String(16), nullable=False),  # page, feed, sitemap, listing
    Column("etag", Text),
    Column("last_modified", Text),
    Column("last_status", Integer),
    Column("first_seen", DateTime(timezone=True), nullable=False),
    Column("last_seen", DateTime(timezone=True), nullable=False),
)

crawl_articles = Table(
    "khabar_crawl_articles",
    metadata,
    Column("article_id", String(32), primary_key=True),
    Column("canonical_url", Text, nullable=False),
    Column("source_id", String(64), nullable=False, index=True),
    Column("content_hash", String(64), nullable=False),
    Column("versions", Integer, nullable=False, default=1),
    Column("first_seen", DateTime(timezone=True), nullable=False),
    Column("last_seen", DateTime(timezone=True), nullable=False),
    Column("last_changed", DateTime(timezone=True), nullable=False),
)


crawl_claims = Table(
    "khabar_crawl_claims",
    metadata,
    Column("url_hash", String(64), primary_key=True),
    Column("owner", String(64), nullable=False),  # the source whose scrape holds (or last held) it
    Column("claimed_until", DateTime(timezone=True)),  # NULL once released
    Column("fetched_at", DateTime(timezone=True)),
)

crawl_pending = Table(
    "khabar_crawl_pending",
    metadata,
    Column("article_id", String(32), primary_key=True),
    Column("source_id", String(64), nullable=False, index=True),
    Column("url", Text, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)

#: PostgreSQL advisory lock key under which the tables are created ("khabar" in ASCII).
_SCHEMA_LOCK = 0x6B6861626172

#: How long a claim keeps other sources' scrapes off a URL if its holder dies without releasing it
#: (a retry of the same source takes its own claims back at once).
CLAIM_LEASE = timedelta(minutes=10)


@dataclass(frozen=True)
class Validators:
    """What a conditional GET sends back: If-None-Match / If-Modified-Since."""

    etag: str | None = None
    last_modified: str | None = None

    def headers(self) -> dict[str, str]:
        out = {}
        if self.etag:
            out["If-None-Match"] = self.etag
        if self.last_modified:
            out["If-Modified-Since"] = self.last_modified
        return out

    def __bool__(self) -> bool:
        return bool(self.etag or self.last_modified)


@dataclass(frozen=True)
class UrlInfo:
    """What the state knows about one URL."""

    first_seen: datetime
    last_seen: datetime
    last_status: int | None
    validators: Validators | None


def _aware(value: datetime) -> datetime:
    # SQLite gives back naive datetimes; everything stored is UTC.
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _url_hash(url: str) -> str:
    return hashlib.sha256(url.encode("utf-8")).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC)


def _sqlite_connect(dbapi_conn: Any, _record: Any) -> None:
    # WAL lets readers and one writer work at once; busy_timeout makes writers queue, not fail.
    # isolation_level=None hands transaction control to SQLAlchemy (see _sqlite_begin).
    dbapi_conn.isolation_level = None
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    # Take the write lock up front: a read-then-write transaction that upgrades later can fail
    # with SQLITE_BUSY when another worker wrote in between (busy_timeout does not cover that).
    conn.exec_driver_sql("BEGIN IMMEDIATE")


class CrawlState:
    """The crawl state database (created on first use)."""

    def __init__(self, url: str) -> None:
        parsed = make_url(url)
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        if self.is_sqlite and parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        self.engine: Engine = create_engine(url, pool_pre_ping=not self.is_sqlite)
        if self.is_sqlite:
            event.listen(self.engine, "connect", _sqlite_connect)
            event.listen(self.engine, "begin", _sqlite_begin)
        try:
            self._create_tables()
        except (OperationalError, IntegrityError):
            self._create_tables()  # another worker created the tables at the same moment

    def _create_tables(self) -> None:
        with self.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                # Concurrent CREATE TABLEs of one name collide in PostgreSQL's catalog: take turns.
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SCHEMA_LOCK})
            metadata.create_all(conn)

    @classmethod
    def from_settings(cls, settings: Settings) -> CrawlState:
        return cls(settings.state_db_url)

    def close(self) -> None:
        self.engine.dispose()

    # --- URLs ----------------------------------------------------------------------------------
    def validators(self, url: str) -> Validators | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(crawl_urls.c.etag, crawl_urls.c.last_modified).where(
                    crawl_urls.c.url_hash == _url_hash(url)
                )
            ).first()
        if row is None or not (row.etag or row.last_modified):
            return None
        return Validators(row.etag, row.last_modified)

    def url_info(self, url: str) -> UrlInfo | None:
        c = crawl_urls.c
        with self.engine.connect() as conn:
            row = conn.execute(
                select(c.first_seen, c.last_seen, c.last_status, c.etag, c.last_modified).where(
                    c.url_hash == _url_hash(url)
                )
            ).first()
        if row is None:
            return None
        validators = Validators(row.etag, row.last_modified)
        return UrlInfo(_aware(row.first_seen), _aware(row.last_seen), row.last_status, validators or None)

    def seen(self, url: str) -> bool:
        with self.engine.connect() as conn:
            found = conn.execute(select(crawl_urls.c.url_hash).where(crawl_urls.c.url_hash == _url_hash(url)))
            return found.first() is not None

    def record_url(
        self,
        url: str,
        *,
        source_id: str,
        kind: str,
        status: int | None,
        validators: Validators | None = None,
        keep_validators: bool = False,
    ) -> None:
        """Upsert one URL. ``validators=None`` clears them (next fetch unconditional) unless kept."""
        now = _now()
        changes: dict[str, Any] = {"last_status": status, "last_seen": now, "source_id": source_id}
        if not keep_validators:
            changes["etag"] = validators.etag if validators else None
            changes["last_modified"] = validators.last_modified if validators else None
        row = {"url_hash": _url_hash(url), "url": url, "kind": kind, "first_seen": now, **changes}
        with self.engine.begin() as conn:
            if not _insert_ignore(conn, crawl_urls, row):
                conn.execute(
                    update(crawl_urls).where(crawl_urls.c.url_hash == row["url_hash"]).values(changes)
                )

    # --- articles ------------------------------------------------------------------------------
    def record_article(self, article: Article, *, pending_url: str | None = None) -> bool:
        """Remember this article's content; True if it is new or its content changed since last seen.

        With ``pending_url`` (the URL it was fetched from), a new or changed article is also held as
        pending until :meth:`confirm` (its publication acknowledged), in the same transaction.
        """
        with self.engine.begin() as conn:
            changed = self._record_article(conn, article)
            if changed and pending_url is not None:
                row = {
                    "article_id": article.article_id,
                    "source_id": article.source_id,
                    "url": pending_url,
                    "recorded_at": _now(),
                }
                if not _insert_ignore(conn, crawl_pending, row):
                    conn.execute(
                        update(crawl_pending)
                        .where(crawl_pending.c.article_id == article.article_id)
                        .values(row)
                    )
            return changed

    def _record_article(self, conn: Connection, article: Article) -> bool:
        now = _now()
        table = crawl_articles
        current = conn.execute(
            select(table.c.content_hash).where(table.c.article_id == article.article_id)
        ).first()
        if current is None:
            row = {
                "article_id": article.article_id,
                "canonical_url": article.canonical_url,
                "source_id": article.source_id,
                "content_hash": article.content_hash,
                "versions": 1,
                "first_seen": now,
                "last_seen": now,
                "last_changed": now,
            }
            # False if another worker inserted it first: that worker reports it as new.
            return _insert_ignore(conn, table, row)
        if current.content_hash == article.content_hash:
            conn.execute(update(table).where(table.c.article_id == article.article_id).values(last_seen=now))
            return False
        # Compare-and-set on the old hash: of two workers seeing the same update, one wins.
        result = conn.execute(
            update(table)
            .where(table.c.article_id == article.article_id, table.c.content_hash == current.content_hash)
            .values(
                content_hash=article.content_hash,
                versions=table.c.versions + 1,
                last_seen=now,
                last_changed=now,
            )
        )
        return result.rowcount == 1

    def forget(self, article_ids: Iterable[str], urls: Iterable[str] = ()) -> None:
        """Undo "seen" for articles a later stage lost (e.g. Kafka never acknowledged them).

        Their content rows are deleted and the validators of ``urls`` (the URLs they were fetched
        from: ``ScrapeResult.fetched_from``) cleared, so the next run fetches them in full and
        reports them as new again.
        """
        ids, hashes = list(article_ids), [_url_hash(u) for u in urls]
        with self.engine.begin() as conn:
            if ids:
                conn.execute(delete(crawl_articles).where(crawl_articles.c.article_id.in_(ids)))
                conn.execute(delete(crawl_pending).where(crawl_pending.c.article_id.in_(ids)))
            if hashes:
                conn.execute(delete(crawl_claims).where(crawl_claims.c.url_hash.in_(hashes)))
            if hashes:
                conn.execute(
                    update(crawl_urls)
                    .where(crawl_urls.c.url_hash.in_(hashes))
                    .values(etag=None, last_modified=None, last_status=None)
                )

    def confirm(self, article_ids: Iterable[str]) -> None:
        """Their publication was acknowledged: they are no longer pending."""
        ids = list(article_ids)
        if ids:
            with self.engine.begin() as conn:
                conn.execute(delete(crawl_pending).where(crawl_pending.c.article_id.in_(ids)))

    def recover_pending(self, source_id: str) -> list[str]:
        """Forget the articles of ``source_id`` still pending from an attempt that died before
        confirming them; returns their ids. Call it when a scrape of that source starts."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(crawl_pending.c.article_id, crawl_pending.c.url).where(
                    crawl_pending.c.source_id == source_id
                )
            ).all()
        if rows:
            self.forget([r.article_id for r in rows], [r.url for r in rows])
            self.reset_discovery(source_id)
        return [r.article_id for r in rows]

    def reset_discovery(self, source_id: str) -> None:
        """Clear the validators of the source's feeds, sitemaps and listings: a forgotten article is
        fetched again only if discovery lists it again, and a 304 lists nothing."""
        c = crawl_urls.c
        with self.engine.begin() as conn:
            conn.execute(
                update(crawl_urls)
                .where(c.source_id == source_id, c.kind != "page")
                .values(etag=None, last_modified=None)
            )

    # --- claims: one fetch of a URL at a time, and not again while fresh ------------------------
    def claim(self, url: str, owner: str, *, fresh_for: timedelta = timedelta(0)) -> bool:
        """Take ``url`` for fetching; False if another owner holds it or it was fetched within ``fresh_for``.

        One conditional UPDATE (or an insert-if-absent): the database decides between racing
        workers, so exactly one of them gets True.
        """
        now, c = _now(), crawl_claims.c
        until = now + CLAIM_LEASE
        with self.engine.begin() as conn:
            row = {"url_hash": _url_hash(url), "owner": owner, "claimed_until": until, "fetched_at": None}
            if _insert_ignore(conn, crawl_claims, row):
                return True
            result = conn.execute(
                update(crawl_claims)
                .where(
                    c.url_hash == row["url_hash"],
                    or_(c.owner == owner, c.claimed_until.is_(None), c.claimed_until < now),
                    or_(c.fetched_at.is_(None), c.fetched_at <= now - fresh_for),
                )
                .values(owner=owner, claimed_until=until)
            )
            return result.rowcount == 1

    def release(self, url: str, owner: str) -> None:
        """The fetch of a claimed URL is over (whatever its outcome): it is fresh from now on."""
        c = crawl_claims.c
        with self.engine.begin() as conn:
            conn.execute(
                update(crawl_claims)
                .where(c.url_hash == _url_hash(url), c.owner == owner)
                .values(claimed_until=None, fetched_at=_now())
            )

    def article_versions(self, article_id: str) -> int:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(crawl_articles.c.versions).where(crawl_articles.c.article_id == article_id)
            ).first()
        return int(row.versions) if row else 0

    def counts(self) -> dict[str, int]:
        with self.engine.connect() as conn:
            urls = conn.execute(select(func.count()).select_from(crawl_urls)).scalar_one()
            articles = conn.execute(select(func.count()).select_from(crawl_articles)).scalar_one()
        return {"urls": int(urls), "articles": int(articles)}


def _insert_ignore(conn: Connection, table: Table, row: dict[str, Any]) -> bool:
    """INSERT unless the primary key exists; True if this call inserted the row."""
    dialect = conn.dialect.name
    if dialect in ("sqlite", "postgresql"):
        module = __import__(f"sqlalchemy.dialects.{dialect}", fromlist=["insert"])
        # RETURNING, not rowcount: an INSERT's rowcount is not reported by every driver (psycopg 3).
        key = next(iter(table.primary_key.columns))
        stmt = module.insert(table).values(row).on_conflict_do_nothing().returning(key)
        return conn.execute(stmt).first() is not None
    if dialect in ("mysql", "mariadb"):
        return conn.execute(insert(table).values(row).prefix_with("IGNORE")).rowcount == 1
    try:
        with conn.begin_nested():
            conn.execute(insert(table).values(row))
    except IntegrityError:
        return False
    return True
