from functools import lru_cache

from django.conf import settings
from django.urls import translate_url
from django.utils.translation import get_language_info


@lru_cache(maxsize=4096)
def _language_links(path: str) -> tuple[dict, ...]:
    # Resolving and reversing the path for every language on every page view is
    # pure repetition; LocaleMiddleware has already made the path's language active.
    return tuple(
        {
            "code": code,
            "name_local": get_language_info(code)["name_local"],
            "url": translate_url(path, code),
        }
        for code, _name in settings.LANGUAGES
    )


def languages(request) -> dict:
    """Links to this page in every language: plain links, so no JavaScript."""
    return {"language_links": lambda: _language_links(request.path)}
