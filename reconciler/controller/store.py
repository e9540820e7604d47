"""The controller's status store: one small SQLite file in its work directory (survives restarts).

Three tables: ``environments`` (one JSON document per environment: revision, last sync, reachability,
the desired-state digests of the last complete sync, failures, what was last notified), ``objects``
(one row per address and environment, written only when it changed, so an unchanged cycle writes
almost nothing) and ``syncs`` (the history, trimmed to the last ``HISTORY`` per environment). A sync row
is written when the sync starts (result ``Running``) and finished when it ends; a row still ``Running``
at start-up belongs to a process that was killed and is marked ``Interrupted``.

One connection guarded by a lock: the web server's threads read while the loop writes (WAL).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from reconciler.controller.status import ObjectStatus

HISTORY = 500
RUNNING = "Running"
INTERRUPTED = "Interrupted"
# A sync still running (or interrupted by kill -9) has no details yet: the same keys, empty.
_SYNC_DEFAULTS: dict[str, Any] = {"applied": [], "failed": [], "error": None, "trigger": None, "skipped": "",
                                  "policy": None}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS environments (name TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS objects (
    environment TEXT NOT NULL, address TEXT NOT NULL, kind TEXT NOT NULL, status TEXT NOT NULL,
    data TEXT NOT NULL, PRIMARY KEY (environment, address));
CREATE TABLE IF NOT EXISTS syncs (
    id INTEGER PRIMARY KEY AUTOINCREMENT, environment TEXT NOT NULL, started_at TEXT NOT NULL,
    duration REAL, result TEXT NOT NULL, revision TEXT, actions_applied INTEGER NOT NULL DEFAULT 0,
    data TEXT NOT NULL DEFAULT '{}');
CREATE INDEX IF NOT EXISTS syncs_by_environment ON syncs (environment, id);
CREATE TABLE IF NOT EXISTS applied (environment TEXT PRIMARY KEY, digests TEXT NOT NULL);
"""


class StatusStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        self._db.execute("UPDATE syncs SET result = ? WHERE result = ?", (INTERRUPTED, RUNNING))

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # environments -------------------------------------------------------------------------------------
    def environment(self, name: str) -> dict[str, Any]:
        with self._lock:
            row = self._db.execute("SELECT data FROM environments WHERE name = ?", (name,)).fetchone()
        return json.loads(row[0]) if row else {}

    def save_environment(self, name: str, data: Mapping[str, Any]) -> None:
        text = json.dumps(data, sort_keys=True)
        with self._lock:
            self._db.execute("INSERT INTO environments (name, data) VALUES (?, ?) "
                             "ON CONFLICT (name) DO UPDATE SET data = excluded.data", (name, text))

    def applied(self, name: str) -> dict[str, str] | None:
        """Per-address desired-state digests of the environment's last complete sync (None before one)."""
        with self._lock:
            row = self._db.execute("SELECT digests FROM applied WHERE environment = ?", (name,)).fetchone()
        return json.loads(row[0]) if row else None

    def save_applied(self, name: str, digests: Mapping[str, str]) -> None:
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO applied VALUES (?, ?)", (name, json.dumps(digests)))

    # objects ------------------------------------------------------------------------------------------
    def objects(self, environment: str) -> dict[str, ObjectStatus]:
        with self._lock:
            rows = self._db.execute("SELECT data FROM objects WHERE environment = ? ORDER BY address",
                                    (environment,)).fetchall()
        return {o.address: o for o in (ObjectStatus.from_dict(json.loads(r[0])) for r in rows)}

    def counts(self, environment: str) -> dict[str, int]:
        with self._lock:
            rows = self._db.execute("SELECT status, count(*) FROM objects WHERE environment = ? GROUP BY status",
                                    (environment,)).fetchall()
        return {r[0]: r[1] for r in rows}

    def query_objects(self, environment: str, *, status: str | None = None, text: str | None = None,
                      kind: str | None = None, limit: int = 1000, offset: int = 0) -> tuple[list[ObjectStatus], int]:
        """A filtered page of objects and the number matching the filter."""
        where, args = ["environment = ?"], [environment]
        if status:
            where.append("status = ?")
            args.append(status)
        if kind:
            where.append("kind = ?")
            args.append(kind)
        if text:
            where.append("instr(lower(address), ?) > 0")
            args.append(text.lower())
        clause = " AND ".join(where)
        with self._lock:
            total = self._db.execute(f"SELECT count(*) FROM objects WHERE {clause}", args).fetchone()[0]
            rows = self._db.execute(f"SELECT data FROM objects WHERE {clause} ORDER BY address LIMIT ? OFFSET ?",
                                    [*args, limit, offset]).fetchall()
        return [ObjectStatus.from_dict(json.loads(r[0])) for r in rows], int(total)

    def object(self, environment: str, address: str) -> ObjectStatus | None:
        with self._lock:
            row = self._db.execute("SELECT data FROM objects WHERE environment = ? AND address = ?",
                                   (environment, address)).fetchone()
        return ObjectStatus.from_dict(json.loads(row[0])) if row else None

    def write_objects(self, environment: str, changed: Iterable[ObjectStatus], removed: Iterable[str]) -> None:
        rows = [(environment, o.address, o.kind, o.status, json.dumps(o.to_dict(), sort_keys=True)) for o in changed]
        gone = [(environment, a) for a in removed]
        if not rows and not gone:
            return
        with self._lock:
            self._db.execute("BEGIN")
            try:
                self._db.executemany("DELETE FROM objects WHERE environment = ? AND address = ?", gone)
                self._db.executemany("INSERT OR REPLACE INTO objects VALUES (?, ?, ?, ?, ?)", rows)
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    # syncs --------------------------------------------------------------------------------------------
    def start_sync(self, environment: str, started_at: str, revision: str | None) -> int:
        with self._lock:
            cursor = self._db.execute("INSERT INTO syncs (environment, started_at, result, revision) "
                                      "VALUES (?, ?, ?, ?)", (environment, started_at, RUNNING, revision))
            return int(cursor.lastrowid or 0)

    def finish_sync(self, sync_id: int, *, duration: float, result: str, revision: str | None,
                    actions_applied: int, data: Mapping[str, Any]) -> None:
        with self._lock:
            self._db.execute("UPDATE syncs SET duration = ?, result = ?, revision = ?, actions_applied = ?, data = ? "
                             "WHERE id = ?", (duration, result, revision, actions_applied,
                                              json.dumps(data, sort_keys=True), sync_id))
            environment = self._db.execute("SELECT environment FROM syncs WHERE id = ?", (sync_id,)).fetchone()
            if environment:
                self._db.execute("DELETE FROM syncs WHERE environment = ? AND id NOT IN (SELECT id FROM syncs "
                                 "WHERE environment = ? ORDER BY id DESC LIMIT ?)",
                                 (environment[0], environment[0], HISTORY))

    def syncs(self, environment: str, limit: int = HISTORY) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._db.execute("SELECT id, started_at, duration, result, revision, actions_applied, data "
                                    "FROM syncs WHERE environment = ? ORDER BY id DESC LIMIT ?",
                                    (environment, limit)).fetchall()
        return [{"id": r[0], "startedAt": r[1], "durationSeconds": r[2], "result": r[3], "revision": r[4],
                 "actionsApplied": r[5], **_SYNC_DEFAULTS, **json.loads(r[6])} for r in rows]
