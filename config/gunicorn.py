"""gunicorn's settings: `gunicorn -c config/gunicorn.py config.wsgi` (the
Dockerfile and docker-compose.yml run exactly that; any setting given on the
command line or in GUNICORN_CMD_ARGS overrides the one here).

The access log names no client and holds no secret. Each line is the time, the
request line, the status, the size, the duration, the referrer and the user
agent, with the tokens of links and secret query values redacted (core/logs.py)
from the request line, the path, the query and the referrer (a page's own
requests, its stylesheet say, name it as their referrer). The client's address
(%(h)s, personal data), the basic-auth user (%(u)s, half of a webhook's
credentials) and any header or environment atom ({…}i, {…}o, {…}e: cookies,
X-Forwarded-For) are always "-", whatever access_log_format asks for. The error
log gets the same redaction, and gunicorn's "Invalid request from ip=…" loses
its address.
"""

import logging
import re

from gunicorn.glogging import Logger

from core.logs import RedactSecrets, redact, redact_query

bind = "0.0.0.0:8000"
workers = 4
accesslog = "-"
access_log_format = '%(t)s "%(r)s" %(s)s %(b)s %(M)sms "%(f)s" "%(a)s"'

# The atoms a line may show; every other one is "-" (gunicorn's SafeAtoms).
SAFE_ATOMS = {"l", "t", "r", "s", "m", "U", "q", "H", "b", "B", "f", "a", "T", "D", "M", "L", "p"}
# gunicorn's warning about a malformed request: "Invalid request from ip=<address>: <error>".
CLIENT_ADDRESS = re.compile(r"\bip=.*?: ")


class RedactErrorLog(RedactSecrets):
    def filter(self, record: logging.LogRecord) -> bool:
        super().filter(record)
        if isinstance(record.msg, str):
            record.msg = CLIENT_ADDRESS.sub("ip=[redacted]: ", record.msg, count=1)
        return True


ERROR_LOG_FILTER = RedactErrorLog()


class RedactingLogger(Logger):
    """gunicorn's logger, with the access log's atoms and the error log redacted."""

    def setup(self, cfg) -> None:
        super().setup(cfg)
        # One instance, so a configuration reload (which runs setup again) adds it once.
        self.error_log.addFilter(ERROR_LOG_FILTER)

    def atoms(self, resp, req, environ, request_time) -> dict:
        atoms = {
            name: value
            for name, value in super().atoms(resp, req, environ, request_time).items()
            if name in SAFE_ATOMS
        }
        for name in ("r", "U", "f"):
            if isinstance(atoms.get(name), str):
                atoms[name] = redact(atoms[name])
        if isinstance(atoms.get("q"), str):
            atoms["q"] = redact_query(atoms["q"])
        return atoms


logger_class = RedactingLogger
