"""Blob storage of the embedded admin (what S3/GCS is to flyteadmin): uploaded objects in the SQLite file.

Objects are keyed by their native URL (``s3://my-s3-bucket/<project>/<domain>/<prefix>/<file>``, the
shape the Flyte sandbox's storage gives) and keep the Content-MD5 they were written with, which the
data proxy compares as flyteadmin compares an object's metadata before allowing a rewrite.
"""

from __future__ import annotations

from reconciler.localadmin.store.db import Database

SCHEMA = """
CREATE TABLE IF NOT EXISTS blobs (
    native_url TEXT PRIMARY KEY, data BLOB NOT NULL, content_md5 TEXT NOT NULL, written_at REAL NOT NULL)
"""
BUCKET = "s3://my-s3-bucket"


def content_md5(db: Database, native_url: str) -> str | None:
    """The base64 MD5 the object was written with, or None when there is no such object."""
    with db.read() as conn:
        row = conn.execute("SELECT content_md5 FROM blobs WHERE native_url=?", (native_url,)).fetchone()
    return None if row is None else str(row["content_md5"])


def read(db: Database, native_url: str) -> bytes | None:
    with db.read() as conn:
        row = conn.execute("SELECT data FROM blobs WHERE native_url=?", (native_url,)).fetchone()
    return None if row is None else bytes(row["data"])


def write(db: Database, native_url: str, data: bytes, md5_b64: str, now: float) -> None:
    with db.write() as conn:
        conn.execute("INSERT OR REPLACE INTO blobs (native_url, data, content_md5, written_at) VALUES (?, ?, ?, ?)",
                     (native_url, data, md5_b64, now))
