"""A small HTTP client for tests against the live server: a cookie jar, real
requests over loopback, the CSRF token taken from the page like a browser."""

import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class Visitor:
    def __init__(self, base_url: str):
        self.base_url = base_url
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def get(self, path: str) -> tuple[int, str, str]:
        return self._open(urllib.request.Request(self.base_url + path))

    def submit(self, path: str, data: dict, form_page: str | None = None) -> tuple[int, str, str]:
        """GET the page holding the form, then POST the form with its CSRF token."""
        _status, _url, page = self.get(form_page or path)
        token = CSRF_INPUT.search(page).group(1)
        body = urllib.parse.urlencode({"csrfmiddlewaretoken": token, **data}).encode()
        request = urllib.request.Request(
            self.base_url + path, data=body, headers={"Referer": self.base_url + path}
        )
        return self._open(request)

    def _open(self, request) -> tuple[int, str, str]:
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.url, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.url, error.read().decode()
