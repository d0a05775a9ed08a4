from functools import lru_cache

from django.conf import settings
from django.utils.translation import get_language_info


def path_in_language(path: str, code: str) -> str:
    """The same page in another language. Our paths are not translated, only
    prefixed (none for the default language), so changing the prefix is enough,
    and it works for a page that does not exist too: a 404's language links lead
    to the same address in each language."""
    first = path.split("/", 2)[1] if path.startswith("/") else ""
    prefixed = {code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE}
    rest = path[len(first) + 1 :] if first in prefixed else path
    return rest if code == settings.LANGUAGE_CODE else f"/{code}{rest}"


@lru_cache(maxsize=4096)
def _language_links(path: str) -> tuple[dict, ...]:
    return tuple(
        {
            "code": code,
            "name_local": get_language_info(code)["name_local"],
            "url": path_in_language(path, code),
        }
        for code, _name in settings.LANGUAGES
    )


def languages(request) -> dict:
    """Links to this page in every language: plain links, so no JavaScript."""
    return {"language_links": lambda: _language_links(request.path)}
