"""Central database: one row per stored event, keyed by (site, seq), and views rebuilt from them.

Opened from a URL (`sqlite:///path` by default, `postgresql://…` in production with psycopg), bound
at start-up through a proxy, never at import. `events` is the truth; `tickets`, `survey_responses`
are projections of each site's contiguous prefix and can be rebuilt from `events`.
"""

from __future__ import annotations

import logging
import time
import weakref
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from peewee import (
    EXCEPTIONS,
    AutoField,
    BlobField,
    BooleanField,
    CharField,
    Database,
    DateTimeField,
    DoubleField,
    ExceptionWrapper,
    IntegerField,
    Model,
    OperationalError,
    PostgresqlDatabase,
    SqliteDatabase,
    TextField,
)
from playhouse.migrate import SchemaMigrator, migrate
from playhouse.pool import PooledPostgresqlDatabase

from appliance.config.show import redact_url
from sync.central.base import CentralModel, database
from sync.central.booking_models import BOOKING_MODELS

log = logging.getLogger(__name__)

# The driver's errors as peewee's (DataError, IntegrityError, …), for the few statements run on
# the raw cursor (executemany), as peewee does around every query it runs itself.
DRIVER_ERRORS = ExceptionWrapper(EXCEPTIONS)

# PostgreSQL array types of the columns passed to `unnest` (every other column goes as text).
_ARRAY_TYPES = {"INT": "bigint", "BIGINT": "bigint", "BOOL": "boolean"}


def _arrays(model: type[Model], columns: Sequence[str]) -> str:
    kinds = [_ARRAY_TYPES.get(model._meta.columns[name].field_type, "text") for name in columns]
    return ", ".join(f"%b::{kind}[]" for kind in kinds)


def _bound(model: type[Model]) -> Database:
    """The database behind the models' proxy (`sync.central.base.database`)."""
    db = model._meta.database
    return getattr(db, "obj", None) or db


def _by_column(rows: Sequence[Sequence[Any]], width: int) -> list[list[Any]]:
    return [[row[i] for row in rows] for i in range(width)]


def write_rows(
    model: type[Model], columns: Sequence[str], rows: Sequence[Sequence[Any]], tail: str = ""
) -> None:
    """Insert rows (values in `columns` order), `tail` being e.g. an ON CONFLICT clause.

    PostgreSQL: one `INSERT … SELECT * FROM unnest(array, …)`, a parameter per column however
    many rows: with executemany each row was its own statement, and a message's 500 events and
    500 ticket changes were most of central's time per batch (tests/bench/bench_b12.py).
    SQLite runs in-process, where executemany of one prepared statement is the quick way.
    Names are the caller's constants, never input; every value goes as a parameter."""
    if not rows:
        return
    db = _bound(model)
    table = model._meta.table_name
    with DRIVER_ERRORS:  # the driver's errors as peewee's, as for every query
        if isinstance(db, PostgresqlDatabase):
            sql = (
                f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608 constants
                f"SELECT * FROM unnest({_arrays(model, columns)}) {tail}"
            )
            db.cursor().execute(sql, _by_column(rows, len(columns)))
            return
        marks = ", ".join([db.param] * len(columns))
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks}) {tail}"  # noqa: S608
        db.cursor().executemany(sql, rows)


def update_rows(
    model: type[Model],
    keys: Sequence[str],
    changed: Sequence[str],
    rows: Sequence[Sequence[Any]],
) -> None:
    """Write rows (`keys` then `changed` values) over the stored ones: on PostgreSQL one
    `UPDATE … FROM unnest(…)` (see `write_rows`), on SQLite an executemany UPDATE.

    Not an upsert: `INSERT … ON CONFLICT DO UPDATE` takes a value from the id sequence for
    every row it updates, which at a national central's rate would run a 32-bit id out in a
    few years."""
    if not rows:
        return
    db = _bound(model)
    table = model._meta.table_name
    columns = (*keys, *changed)
    with DRIVER_ERRORS:
        if isinstance(db, PostgresqlDatabase):
            sets = ", ".join(f"{name} = v.{name}" for name in changed)
            match = " AND ".join(f"{table}.{name} = v.{name}" for name in keys)
            sql = (
                f"UPDATE {table} SET {sets} "  # noqa: S608 constants
                f"FROM unnest({_arrays(model, columns)}) AS v ({', '.join(columns)}) "
                f"WHERE {match}"
            )
            db.cursor().execute(sql, _by_column(rows, len(columns)))
            return
        sets = ", ".join(f"{name} = {db.param}" for name in changed)
        match = " AND ".join(f"{name} = {db.param}" for name in keys)
        sql = f"UPDATE {table} SET {sets} WHERE {match}"  # noqa: S608 constants
        db.cursor().executemany(sql, [(*row[len(keys) :], *row[: len(keys)]) for row in rows])


class MomentField(DateTimeField):  # type: ignore[misc]
    """A moment with its offset: `timestamptz` on PostgreSQL (a plain `timestamp` kept the
    server's local time without its offset), the ISO text with its offset on SQLite as before
    (`MOMENT_TYPES`)."""

    field_type = "MOMENT"


MOMENT_TYPES = {"sqlite": {"MOMENT": "DATETIME"}, "postgresql": {"MOMENT": "TIMESTAMPTZ"}}


class SiteRow(CentralModel):
    """One appliance, created on its first message."""

    code = CharField(primary_key=True, max_length=64)
    name = CharField(default="")
    online = BooleanField(default=False)
    last_contact = CharField(null=True)  # ISO time of the last message from the site
    stored_through = IntegerField(default=0)  # highest contiguous seq stored
    highest_seen = IntegerField(default=0)
    events_stored = IntegerField(default=0)
    duplicates_ignored = IntegerField(default=0)
    conflicts = IntegerField(default=0)
    rejected_batches = IntegerField(default=0)
    backlog_reported = IntegerField(null=True)
    edge_last_seq = IntegerField(null=True)
    config_version = IntegerField(null=True)
    clock_synced = BooleanField(null=True)
    software = CharField(null=True)
    # The zone the site itself reports (hello, config.applied); added later, see _add_columns.
    timezone = CharField(null=True, max_length=64)
    # When backlog_reported was last worked out (hello or batch): a figure has an age.
    backlog_at = CharField(null=True, max_length=40)
    # Which appliance said the last hello, the one before it when another, and when they last
    # took turns (two boxes with one site code: sync.central.ingest._learn_installation).
    installation = CharField(null=True, max_length=64)
    installation_other = CharField(null=True, max_length=64)
    installation_clash_at = CharField(null=True, max_length=40)
    # The printer's state from the site's newest printer.fault/printer.recovered, and its time.
    printer_state = CharField(null=True, max_length=32)
    printer_at = CharField(null=True, max_length=40)

    class Meta:
        table_name = "sites"


class EventRow(CentralModel):
    site = CharField(max_length=64)
    seq = IntegerField()
    event_id = CharField(max_length=64)
    type = CharField(max_length=64)
    at = CharField(max_length=40)
    clock_synced = BooleanField()
    data = TextField()  # canonical JSON
    received_at = CharField(max_length=40)

    class Meta:
        table_name = "events"
        indexes = ((("site", "seq"), True),)


class QuarantineRow(CentralModel):
    """Anything refused: a conflicting duplicate, a poison batch, a site mismatch."""

    site = CharField(max_length=200)
    seq = IntegerField(null=True)
    reason = CharField(max_length=500)
    payload = TextField()  # the refused content (truncated), for a person to look at
    received_at = CharField(max_length=40)

    class Meta:
        table_name = "quarantine"


class TicketRow(CentralModel):
    site = CharField(max_length=64)
    ticket_id = IntegerField()  # the appliance's id
    # 0, or how many times the site issued this id before (a box restored from a backup numbers
    # its tickets from the backup's ids again; sync.central.projection). Added later.
    epoch = IntegerField(default=0)
    # What a site sends is text without a length: the catalogue limits no code's length, and a
    # value too long for a varchar stopped the site's sync on PostgreSQL (WIDENED_COLUMNS).
    business_date = TextField(index=True)
    number = TextField()
    service = TextField()
    agency = TextField(null=True)
    state = CharField(max_length=16)
    priority = BooleanField(default=False)
    status_token = TextField(index=True)
    source = TextField(null=True)
    issued_at = CharField(max_length=40)
    called_at = CharField(max_length=40, null=True)
    started_at = CharField(max_length=40, null=True)
    finished_at = CharField(max_length=40, null=True)
    counter = TextField(null=True)
    recalls = IntegerField(default=0)
    last_seq = IntegerField()

    class Meta:
        table_name = "tickets"
        indexes = ((("site", "ticket_id", "epoch"), True), (("site", "business_date"), False))


class SurveyRow(CentralModel):
    site = CharField(max_length=64)
    seq = IntegerField()
    survey_id = IntegerField(null=True)
    service = TextField()
    business_date = TextField()
    answers = TextField()
    respondent = TextField()

    class Meta:
        table_name = "survey_responses"
        indexes = ((("site", "seq"), True),)


class CatalogueRow(CentralModel):
    """A catalogue version central pushed to a site, and when the site reported it applied."""

    site = CharField(max_length=64)
    version = IntegerField()
    document = TextField()
    pushed_at = CharField(max_length=40)
    applied_at = CharField(max_length=40, null=True)

    class Meta:
        table_name = "catalogue_versions"
        indexes = ((("site", "version"), True),)


class OutgoingRow(CentralModel):
    """A message central must publish (a catalogue push), kept until the broker took it.

    Written in the same transaction as what it announces, so an HTTP request never has to reach
    the broker itself: the publisher (`sync.central.publisher`) sends every unpublished row in
    id order once connected and marks it, and a broker outage only delays a push.
    """

    id = AutoField()
    site = CharField(max_length=64)
    topic = CharField(max_length=200)
    payload = BlobField()
    retain = BooleanField(default=True)
    version = IntegerField(null=True)  # the catalogue version a `down/config` row carries
    created_at = CharField(max_length=40)
    published_at = CharField(max_length=40, null=True, index=True)

    class Meta:
        table_name = "outgoing"


class CentralState(CentralModel):
    """Small named values central keeps for itself (the session key when none is configured)."""

    key = CharField(primary_key=True, max_length=64)
    value = TextField()

    class Meta:
        table_name = "central_state"


class CentralUser(CentralModel):
    username = CharField(unique=True, max_length=64)
    password_hash = CharField()
    role = CharField(max_length=16)
    created_at = MomentField()
    active = BooleanField(
        default=True
    )  # added later (ADDED_COLUMNS); a disabled user cannot log in

    class Meta:
        table_name = "central_users"


class CentralToken(CentralModel):
    name = CharField(unique=True, max_length=64)
    role = CharField(max_length=16)
    token_hash = CharField(unique=True, max_length=64)
    revoked = BooleanField(default=False)
    created_at = MomentField()

    class Meta:
        table_name = "central_tokens"


class CentralSession(CentralModel):
    """A user's open session (issue 15: logout must end a copied cookie too). The cookie carries
    a random id; only its SHA-256 is kept. Ended sessions are deleted, expired ones swept at the
    next login. A table of its own, created by `create_tables` on older databases too."""

    id = CharField(primary_key=True, max_length=64)  # sha256 (hex) of the cookie's session id
    user_id = IntegerField(index=True)  # central_users.id
    started_at = CharField(max_length=40)
    expires_at = DoubleField()  # Unix time (double precision on PostgreSQL too)

    class Meta:
        table_name = "central_sessions"


MODELS: list[type[CentralModel]] = [
    SiteRow,
    EventRow,
    QuarantineRow,
    TicketRow,
    SurveyRow,
    CatalogueRow,
    OutgoingRow,
    CentralState,
    CentralUser,
    CentralToken,
    CentralSession,
    *BOOKING_MODELS,
]


class CentralUrlError(ValueError):
    pass


def serialise(db: Database, name: str) -> None:
    """Inside a transaction: wait until no other transaction holds `name`, and hold it to the
    end. For read-then-write rules (the next catalogue version, the last administrator): on
    PostgreSQL two transactions would both read before either wrote; SQLite's IMMEDIATE
    transactions already take the one write lock first."""
    if isinstance(db, PostgresqlDatabase):
        db.execute_sql("SELECT pg_advisory_xact_lock(hashtext(%s))", (name,))


def open_central_database(url: str) -> Database:
    """Connect to central's database by URL, create the tables, bind the models."""
    parts = urlsplit(url)
    db: Database
    if parts.scheme == "sqlite":
        path = unquote(url[len("sqlite:///") :]) if url.startswith("sqlite:///") else ""
        if not path:
            raise CentralUrlError(
                f"{redact_url(url)!r}: expected sqlite:///relative.db or sqlite:////abs.db"
            )
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        db = SqliteDatabase(
            path,
            pragmas={"journal_mode": "wal", "synchronous": "full", "busy_timeout": 30_000},
            timeout=30,
            lock_type="IMMEDIATE",
            check_same_thread=False,
            field_types=MOMENT_TYPES["sqlite"],
        )
    elif parts.scheme in ("postgres", "postgresql"):
        # Pooled: a connection per request cost a TCP (or TLS) handshake and a login each time
        # (measured: 35 ms to connect and query, 0.9 ms pooled; docs/central-postgresql.md). One
        # round trip checks a connection when taken, so one broken by an outage is replaced.
        db = CentralPostgres(
            parts.path.lstrip("/"),
            max_connections=POOL_CONNECTIONS,
            stale_timeout=POOL_STALE_S,
            timeout=POOL_WAIT_S,
            **_postgres_options(url),
            field_types=MOMENT_TYPES["postgresql"],
            prefer_psycopg3=True,
        )
    else:
        raise CentralUrlError(
            f"{redact_url(url)!r}: central database must be sqlite:/// or postgresql://"
        )
    database.initialize(db)
    for attempt in range(FRESH_FILE_ATTEMPTS):
        try:
            _create_schema(db)
            break
        except OperationalError as exc:
            # A fresh SQLite file: switching it to WAL needs a lock for which SQLite does not
            # wait, so a second process opening it at that moment is refused at once.
            if "locked" not in str(exc) or attempt == FRESH_FILE_ATTEMPTS - 1:
                raise
            time.sleep(0.05 * (attempt + 1))
    return db


FRESH_FILE_ATTEMPTS = 20


def _create_schema(db: Database) -> None:
    """One transaction holding one lock: several processes opening a fresh database at once
    (mpp central's workers, mpp init) no longer race to create the same tables and types.

    A database already current is only read: `CREATE … IF NOT EXISTS` still locks each table
    (an index a SHARE lock), and a central process starting beside a busy one deadlocked with a
    booking on PostgreSQL."""
    if _schema_current(db):
        return
    with db.connection_context(), db.atomic():
        serialise(db, "central.schema")
        _add_columns(db)  # first: create_tables makes the indexes, some on added columns
        db.create_tables(MODELS, safe=True)
        for name in REPLACED_INDEXES:  # names are the constants below, never input
            db.execute_sql(f'DROP INDEX IF EXISTS "{name}"')


class CentralPostgres(PooledPostgresqlDatabase):  # type: ignore[misc]
    """The pool, closing what it lets go: a connection it finds broken when taken (the pool
    only drops it), and its idle connections when the database object itself is dropped."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        weakref.finalize(self, _close_idle, self._connections)

    def _is_closed(self, conn: Any) -> bool:
        closed = bool(super()._is_closed(conn))
        if closed:
            _close_quietly(conn)
        return closed


def _close_idle(idle: list[tuple[float, int, Any]]) -> None:
    for _timestamp, _counter, conn in idle:
        _close_quietly(conn)
    idle.clear()


def _close_quietly(conn: Any) -> None:
    try:
        conn.close()
    except Exception:  # already broken: nothing is lost by not closing it
        log.debug("closing a pooled connection failed", exc_info=True)


# A central process's PostgreSQL connections: its waitress threads, ingest workers and publisher
# each hold one only while they work; a request waits up to POOL_WAIT_S for a free one.
POOL_CONNECTIONS = 32
POOL_STALE_S = 300  # an idle connection older than this is closed, not reused
POOL_WAIT_S = 10


def _postgres_options(url: str) -> dict[str, Any]:
    """libpq's connection options from a `postgresql://` URL: user, password, host and port,
    and every `?name=value` (sslmode, sslrootcert, connect_timeout, application_name, host for a
    socket folder, …), which were dropped before, so TLS could not be required. libpq refuses an
    option it does not know when central connects, at start."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        raise CentralUrlError(f"{redact_url(url)!r}: bad port") from None
    options: dict[str, Any] = {
        "user": unquote(parts.username) if parts.username else None,
        "password": unquote(parts.password) if parts.password else None,
        "host": unquote(parts.hostname) if parts.hostname else None,
        "port": port,
    }
    options = {name: value for name, value in options.items() if value is not None}
    options.update(parse_qsl(parts.query, keep_blank_values=True, strict_parsing=False))
    return options


# Columns added to a table after central databases already existed: (model, field name).
ADDED_COLUMNS: tuple[tuple[type[CentralModel], str], ...] = (
    (SiteRow, "timezone"),
    (SiteRow, "backlog_at"),
    (SiteRow, "installation"),
    (SiteRow, "installation_other"),
    (SiteRow, "installation_clash_at"),
    (SiteRow, "printer_state"),
    (SiteRow, "printer_at"),
    (CentralUser, "active"),
    (TicketRow, "epoch"),
)

# Indexes a newer index replaced: tickets were unique by (site, ticket_id) before the epoch.
REPLACED_INDEXES = ("ticketrow_site_ticket_id",)


def _schema_current(db: Database) -> bool:
    """Every table, column and index of MODELS is there, and no index they replaced."""
    with db.connection_context():
        tables = set(db.get_tables())
        for model in MODELS:
            table = model._meta.table_name
            if table not in tables:
                return False
            columns = {column.name for column in db.get_columns(table)}
            if not {field.column_name for field in model._meta.sorted_fields} <= columns:
                return False
            indexes = {index.name for index in db.get_indexes(table)}
            wanted = {index._name for index in model._meta.fields_to_index()}
            if not wanted <= indexes or indexes & set(REPLACED_INDEXES):
                return False
        return not _old_types(db)


def _old_types(db: Database) -> bool:
    """A column still of the type it had before (varchar, timestamp), on PostgreSQL."""
    if not isinstance(db, PostgresqlDatabase):
        return False
    for columns, old in ((WIDENED_COLUMNS, "character varying"),
                         (MOMENT_COLUMNS, "timestamp without time zone")):  # fmt: skip
        for model, name in columns:
            kinds = {c.name: c.data_type for c in db.get_columns(model._meta.table_name)}
            if kinds.get(name) == old:
                return True
    return False


# Columns that were varchar(n) and are text now: (model, field name). SQLite never enforced the
# length; PostgreSQL did, and refused a site's batch for a code longer than 64 characters.
WIDENED_COLUMNS: tuple[tuple[type[CentralModel], str], ...] = tuple(
    (model, name)
    for model, names in (
        (TicketRow, ("business_date", "number", "service", "agency", "status_token", "source",
                     "counter")),
        (SurveyRow, ("service", "business_date")),
    )
    for name in names
)  # fmt: skip


# Columns that were a PostgreSQL `timestamp` and are `timestamptz` now (MomentField).
MOMENT_COLUMNS: tuple[tuple[type[CentralModel], str], ...] = (
    (CentralUser, "created_at"),
    (CentralToken, "created_at"),
)


def _add_columns(db: Database) -> None:
    """Add columns a newer central knows to an older database (create_tables skips existing
    tables), and widen the ones that became text. Idempotent; runs on every open, in one
    transaction; a table not there yet is left to create_tables."""
    migrator = SchemaMigrator.from_database(db)
    tables = set(db.get_tables())
    with db.atomic():
        for model, name in ADDED_COLUMNS:
            table = model._meta.table_name
            if table in tables and name not in {c.name for c in db.get_columns(table)}:
                migrate(migrator.add_column(table, name, model._meta.fields[name]))
        if isinstance(db, PostgresqlDatabase):
            for model, name in WIDENED_COLUMNS:
                table = model._meta.table_name
                kinds = {c.name: c.data_type for c in db.get_columns(table)}
                if kinds.get(name) == "character varying":
                    # names are the constants above, never input
                    db.execute_sql(f'ALTER TABLE "{table}" ALTER COLUMN "{name}" TYPE text')
            for model, name in MOMENT_COLUMNS:
                table = model._meta.table_name
                kinds = {c.name: c.data_type for c in db.get_columns(table)}
                if kinds.get(name) == "timestamp without time zone":
                    # stored as the server's local time (the session's TimeZone): read so
                    db.execute_sql(
                        f'ALTER TABLE "{table}" ALTER COLUMN "{name}" TYPE timestamptz '
                        f"USING \"{name}\" AT TIME ZONE current_setting('TimeZone')"
                    )
