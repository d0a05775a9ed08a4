"""Where a piece of text can still be found: every column of every table, every
session once decoded, and every key and value in Redis.

Generic on purpose: the tables and columns come from PostgreSQL's
information_schema, so a table added later is searched without anyone
remembering to add it here.
"""

import base64
import binascii
import contextlib
import json
import re

import redis
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection

from config.env import redis_neighbour_url


def everywhere(text: str) -> list[str]:
    """Where `text` is found, case-insensitively: "table.column", "session
    <key>" or "redis <db> <key>"."""
    return [*in_the_database(text), *in_sessions(text), *in_redis(text)]


def in_the_database(text: str) -> list[str]:
    found = []
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position"
        )
        columns = cursor.fetchall()
        assert len(columns) > 50, "the schema looks empty"
        for table, column, data_type in columns:
            if data_type == "bytea":
                # Bytes: look for the text's UTF-8 bytes, in either case.
                condition = (
                    f"position(convert_to(lower(%s), 'UTF8') in {quote(column)}) > 0 "
                    f"OR position(convert_to(%s, 'UTF8') in {quote(column)}) > 0"
                )
                params = [text, text]
            else:
                condition = f"{quote(column)}::text ILIKE %s"
                params = [f"%{_like_escaped(text)}%"]
            cursor.execute(
                f"SELECT count(*) FROM {quote(table)} WHERE {condition}",  # noqa: S608
                params,
            )
            if cursor.fetchone()[0]:
                found.append(f"{table}.{column}")
    return found


def _like_escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def in_sessions(text: str) -> list[str]:
    needle = text.lower()
    found = []
    for session in Session.objects.all():
        decoded = json.dumps(session.get_decoded(), default=str, ensure_ascii=False).lower()
        if needle in decoded or needle in session.session_data.lower():
            found.append(f"session {session.session_key}")
    return found


def in_redis(text: str) -> list[str]:
    """Both databases of the pair: the cache's and the broker's."""
    needle = text.lower().encode()
    found = []
    for url in (settings.REDIS_URL, redis_neighbour_url(settings.REDIS_URL)):
        client = redis.Redis.from_url(url)
        try:
            for key in client.scan_iter(count=1000):
                if needle in key.lower() or needle in _value(client, key).lower():
                    found.append(f"redis {url.rsplit('/', 1)[-1]} {key!r}")
        finally:
            client.close()
    return found


# A queued Celery message carries its arguments base64-encoded in "body".
BODY = re.compile(rb'"body": ?"([A-Za-z0-9+/=]+)"')


def _value(client: redis.Redis, key: bytes) -> bytes:
    kind = client.type(key)
    if kind == b"string":
        raw = client.get(key) or b""
    elif kind == b"list":
        raw = b"\n".join(client.lrange(key, 0, -1))
    elif kind == b"set":
        raw = b"\n".join(client.smembers(key))
    elif kind == b"zset":
        raw = b"\n".join(client.zrange(key, 0, -1))
    elif kind == b"hash":
        raw = b"\n".join(b"%s=%s" % item for item in client.hgetall(key).items())
    else:
        raw = b""
    bodies = []
    for match in BODY.finditer(raw):
        with contextlib.suppress(binascii.Error):
            bodies.append(base64.b64decode(match.group(1)))
    return b"\n".join([raw, *bodies])
