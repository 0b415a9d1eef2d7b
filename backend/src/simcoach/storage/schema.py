"""The embedded store's tables, and the migrations that bring any older file up to them.

The schema version is SQLite's ``user_version``. Version 0 is the file the
backend wrote before the store was one (until commit 215501d): the frame store
and the coaching store shared it, each with its own tables and a ``sessions``
table of raw session messages beside ``coach_sessions``. A file at version 0
(a new one too, which simply has no tables yet) first gets any of those tables
it lacks, then every migration in turn, each in its own transaction, so every
file goes through the same path.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Final

# What the two stores created, exactly (CREATE ... IF NOT EXISTS), up to commit 215501d.
_VERSION_0: Final = """
CREATE TABLE IF NOT EXISTS frames (
    rig TEXT NOT NULL,
    seq INTEGER NOT NULL,
    t REAL NOT NULL,
    lap INTEGER,
    lap_dist_m REAL,
    data BLOB NOT NULL,
    PRIMARY KEY (rig, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS sessions (
    rig TEXT NOT NULL,
    t REAL NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_by_rig ON sessions (rig, t);
CREATE TABLE IF NOT EXISTS coach_sessions (
    id TEXT PRIMARY KEY,
    rig TEXT NOT NULL,
    t REAL NOT NULL,
    driver TEXT NOT NULL, game TEXT NOT NULL, track TEXT NOT NULL, car TEXT NOT NULL,
    info TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS coach_sessions_by_rig ON coach_sessions (rig, t);
CREATE TABLE IF NOT EXISTS laps (
    id INTEGER PRIMARY KEY,
    session_id TEXT NOT NULL,
    rig TEXT NOT NULL,
    lap INTEGER,
    t REAL NOT NULL,
    time_s REAL NOT NULL,
    clean INTEGER NOT NULL,
    complete INTEGER NOT NULL,
    driver TEXT NOT NULL, game TEXT NOT NULL, track TEXT NOT NULL, car TEXT NOT NULL,
    record TEXT NOT NULL,
    trace BLOB
);
CREATE INDEX IF NOT EXISTS laps_by_session ON laps (session_id, id);
CREATE INDEX IF NOT EXISTS laps_by_key ON laps (driver, game, track, car, clean, time_s);
CREATE TABLE IF NOT EXISTS reference_laps (
    driver TEXT NOT NULL, game TEXT NOT NULL, track TEXT NOT NULL, car TEXT NOT NULL,
    lap_id INTEGER NOT NULL,
    pinned INTEGER NOT NULL,
    PRIMARY KEY (driver, game, track, car)
);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id TEXT,
    rig TEXT NOT NULL,
    t REAL NOT NULL,
    kind TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_by_rig ON events (rig, id);
"""

# Version 1: sessions are rows of their own (one per continuous run of a rig), the raw
# messages move to session_messages, and exporters keep their cursors here.
_TO_VERSION_1: Final = """
ALTER TABLE sessions RENAME TO session_messages;
DROP INDEX sessions_by_rig;
CREATE INDEX session_messages_by_rig ON session_messages (rig, t);
CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    rig TEXT NOT NULL,
    started REAL NOT NULL,
    ended REAL,
    last_t REAL NOT NULL,
    seen REAL NOT NULL,
    first_seq INTEGER,
    last_seq INTEGER,
    frames INTEGER NOT NULL DEFAULT 0,
    driver TEXT NOT NULL, game TEXT NOT NULL, track TEXT NOT NULL, car TEXT NOT NULL,
    info TEXT NOT NULL
);
CREATE INDEX sessions_by_rig ON sessions (rig, started);
CREATE INDEX sessions_by_start ON sessions (started);
CREATE INDEX events_by_session ON events (session_id, id);
-- A session of the old store began with its coach_sessions row and ran until the rig's next
-- one; its frames are the rig's from its start until then. Every one of them is over.
INSERT INTO sessions (id, rig, started, ended, last_t, seen, first_seq, last_seq, frames,
                      driver, game, track, car, info)
SELECT c.id, c.rig, c.t, c.t, c.t, c.t, NULL, NULL, 0, c.driver, c.game, c.track, c.car, c.info
FROM coach_sessions AS c;
UPDATE sessions SET
    first_seq = (SELECT MIN(f.seq) FROM frames AS f WHERE f.rig = sessions.rig AND f.t >= sessions.started
                 AND f.t < COALESCE((SELECT MIN(n.started) FROM sessions AS n
                                     WHERE n.rig = sessions.rig AND n.started > sessions.started), 1e300));
UPDATE sessions SET
    last_seq = (SELECT MAX(f.seq) FROM frames AS f WHERE f.rig = sessions.rig AND f.seq >= sessions.first_seq
                AND f.seq < COALESCE((SELECT MIN(n.first_seq) FROM sessions AS n
                                      WHERE n.rig = sessions.rig AND n.first_seq > sessions.first_seq), 1e300)),
    frames = (SELECT COUNT(*) FROM frames AS f WHERE f.rig = sessions.rig AND f.seq >= sessions.first_seq
              AND f.seq < COALESCE((SELECT MIN(n.first_seq) FROM sessions AS n
                                    WHERE n.rig = sessions.rig AND n.first_seq > sessions.first_seq), 1e300))
WHERE first_seq IS NOT NULL;
UPDATE sessions SET last_t = MAX(started, COALESCE(
    (SELECT f.t FROM frames AS f WHERE f.rig = sessions.rig AND f.seq = sessions.last_seq),
    (SELECT MAX(l.t) FROM laps AS l WHERE l.session_id = sessions.id),
    started));
UPDATE sessions SET ended = last_t, seen = last_t;
DROP TABLE coach_sessions;
CREATE TABLE export_cursors (
    target TEXT NOT NULL,
    stream TEXT NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (target, stream)
) WITHOUT ROWID;
"""

# Version 2: post-session reports, one per session (rebuilt in place), as they were rendered.
_TO_VERSION_2: Final = """
CREATE TABLE reports (
    session_id TEXT PRIMARY KEY,
    created REAL NOT NULL,
    model_status TEXT NOT NULL,
    markdown TEXT NOT NULL,
    html TEXT NOT NULL,
    document TEXT NOT NULL
);
"""

Migration = Callable[[sqlite3.Connection], None]


def _script(sql: str) -> Migration:
    def run(db: sqlite3.Connection) -> None:
        for statement in _statements(sql):
            db.execute(statement)

    return run


def _statements(sql: str) -> list[str]:
    """A script split into statements (``executescript`` would commit the migration's transaction)."""
    out: list[str] = []
    current = ""
    for line in sql.splitlines(keepends=True):
        if line.lstrip().startswith("--"):
            continue
        current += line
        if sqlite3.complete_statement(current):
            out.append(current.strip())
            current = ""
    if current.strip():
        raise ValueError(f"an incomplete statement in a migration: {current.strip()[:80]!r}")
    return out


# MIGRATIONS[n] takes a file from version n to n + 1.
MIGRATIONS: Final[tuple[Migration, ...]] = (_script(_TO_VERSION_1), _script(_TO_VERSION_2))
VERSION: Final = len(MIGRATIONS)


def version_of(db: sqlite3.Connection) -> int:
    (version,) = db.execute("PRAGMA user_version").fetchone()
    return int(version)


def migrate(db: sqlite3.Connection) -> int:
    """Bring the file up to VERSION; returns the version it had. Refuses a file from a newer simcoach."""
    found = version_of(db)
    if found > VERSION:
        raise ValueError(
            f"the store was written by a newer simcoach (schema {found}, this one reads up to {VERSION}); "
            "upgrade simcoach or point SIMCOACH_DATA_DIR elsewhere"
        )
    if found == 0:
        db.executescript(_VERSION_0)  # no-op on an old file; creates the old tables in a new one
    for version in range(found, VERSION):
        db.execute("BEGIN IMMEDIATE")
        try:
            MIGRATIONS[version](db)
            db.execute(f"PRAGMA user_version = {version + 1}")
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
    return found
