"""A request naming a charset other than UTF-8 is refused with a 400 at the WSGI
entry (core/charset.py), a bug the fuzz tests found (tests/test_fuzz_forms.py):
Mallory named a codec in the Content-Type header, and Django decoded the query
string (while building the request, so the server answered 500) or the body
with it. Requests go through config.wsgi.application, as gunicorn sends them.

Ana reads the widget as a browser does, in UTF-8."""

from io import BytesIO
from wsgiref.util import setup_testing_defaults

import pytest
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

from config.wsgi import application
from pledges.models import PledgeRequest
from tests.conftest import ANA

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("wsgi_in_test")]

# No text encoding (rot13, hex); cannot replace what it fails to decode (idna,
# undefined); decodes bytes to lone surrogates (utf-7); in any spelling.
NOT_UTF8 = ["rot13", "hex", "idna", "undefined", "utf-7", '"ROT_13"', "latin-1"]


def serve(method: str, path: str, *, query="", content_type="", body=b""):
    """(status, headers, body) of config.wsgi.application for this request."""
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "CONTENT_TYPE": content_type,
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": BytesIO(body),
    }
    setup_testing_defaults(environ)
    answered = {}

    def start_response(status, headers, exc_info=None):
        answered["status"], answered["headers"] = int(status.split()[0]), dict(headers)

    content = b"".join(application(environ, start_response))
    return answered["status"], answered["headers"], content


@pytest.mark.parametrize("charset", NOT_UTF8)
def test_a_query_under_another_charset_is_a_400_not_a_500(charset):
    status, headers, _body = serve(
        "GET",
        "/embed/counter/",
        query="country=%50T",
        content_type=f"text/plain; charset={charset}",
    )
    assert status == 400
    assert headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]


@pytest.mark.parametrize("charset", NOT_UTF8)
def test_a_multipart_body_under_another_charset_is_a_400_not_a_500(charset):
    body = encode_multipart(BOUNDARY, {**ANA, "display_name": "+2AA-"})
    content_type = f"{MULTIPART_CONTENT}; charset={charset}"
    status, _headers, _body = serve("POST", "/pledge/", content_type=content_type, body=body)
    assert status == 400
    assert not PledgeRequest.objects.exists()


def test_a_content_type_too_long_to_parse_is_a_400_not_a_500():
    status, _headers, _body = serve(
        "POST", "/pledge/", content_type="text/plain; a=" + "b" * 10_000
    )
    assert status == 400


@pytest.mark.parametrize("charset", ["utf-8", "UTF8", "utf_8", "no-such-charset", ""])
def test_utf8_or_a_charset_python_does_not_know_is_read_as_utf8(charset):
    status, _headers, body = serve(
        "GET",
        "/embed/counter/",
        query="country=%50T",
        content_type=f"text/plain; charset={charset}",
    )
    assert status == 200
    assert "Portugal" in body.decode()
