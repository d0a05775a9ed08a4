from django.conf import settings
from django.urls import translate_url
from django.utils.translation import get_language_info


def languages(request) -> dict:
    """Links to this page in every language: plain links, so no JavaScript."""

    def links():
        for code, _name in settings.LANGUAGES:
            info = get_language_info(code)
            yield {
                "code": code,
                "name_local": info["name_local"],
                "url": translate_url(request.path, code),
            }

    return {"language_links": links}
