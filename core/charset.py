"""Requests are read as UTF-8: any other charset is refused at the door.

Our pages are UTF-8, so browsers submit our forms in UTF-8, and Django already
refuses a URL-encoded body in anything else. But it reads the query string and
a multipart body in whatever charset the Content-Type header names, as long as
Python has a codec of that name, and it starts on the query string while it
builds the request, before any middleware or error handling of its own: a
codec that is no text encoding (rot13, hex) or that cannot stand in for what it
fails to decode (idna, undefined) raises there, so one header made a 500 of any
page asked with a query; a body's fields hit the same in every POST; and a codec
that decodes bytes to lone surrogates (utf-7, unicode_escape) hands the views
text that neither the database nor a response can encode. A Content-Type too
long for Django to parse raises in the same place. No browser sends any of them.

So the WSGI application is wrapped (config/wsgi.py) and answers these with a
plain 400 before Django sees them.
"""

import codecs

from django.utils.http import parse_header_parameters

# The strictest answer: nothing to render, frame, sniff or keep.
REFUSAL_HEADERS = [
    ("Content-Type", "text/plain; charset=utf-8"),
    ("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"),
    ("X-Frame-Options", "DENY"),
    ("X-Content-Type-Options", "nosniff"),
    ("Cache-Control", "no-store"),
]
REFUSAL = b"Bad request: send it in UTF-8.\n"


def refused(content_type: str) -> bool:
    """Whether a request with this Content-Type is refused: one Django cannot
    parse, or one naming a charset, other than UTF-8, that Python has a codec
    for (Django ignores a name Python does not know, and reads UTF-8)."""
    try:
        _media_type, parameters = parse_header_parameters(content_type)
    except ValueError:
        return True
    charset = parameters.get("charset")
    if charset is None:
        return False
    try:
        return codecs.lookup(charset).name != "utf-8"
    except LookupError:
        return False


def utf8_only(application):
    """WSGI middleware: a 400 for a request `refused()` names, else the application."""

    def serve(environ, start_response):
        if refused(environ.get("CONTENT_TYPE", "")):
            start_response("400 Bad Request", REFUSAL_HEADERS)
            return [REFUSAL]
        return application(environ, start_response)

    return serve
