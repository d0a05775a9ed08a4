"""Which translation of a piece of content a visitor reads, and saying so.

Country pages and information pages keep one row per language, each with a
draft and a published copy. A visitor reads the row in their language when it
is live; otherwise English, which every page is written in first; otherwise
any live language rather than nothing, since a page only in Spanish still
helps a reader more than a 404. When the language shown is not the one asked
for, the page says so and marks the text with its real language, so screen
readers pronounce it right.

Drafts: a staff preview must show exactly what publishing will put live, so
draft=True chooses among every row (not only the live ones) the same way and
reads the draft fields instead of their published_* twins.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import get_language, get_language_info


@dataclass(frozen=True)
class Choice:
    translation: object | None
    requested: str
    # The language of the text shown; None when there is no text at all.
    shown: str | None

    @property
    def is_fallback(self) -> bool:
        return self.shown is not None and self.shown != self.requested


def choose_translation(
    translations: Iterable, language: str, *, draft: bool, preferred: Sequence[str] = ()
) -> Choice:
    """The translation to show for `language`: that language, else English,
    else the `preferred` languages (a country's own), else any, in the order of
    settings.CONTENT_LANGUAGES. Only live rows count unless `draft`."""
    available = {t.language: t for t in translations if draft or t.is_live}
    order = [
        language,
        settings.LANGUAGE_CODE,
        *preferred,
        *(code for code, _name in settings.CONTENT_LANGUAGES),
    ]
    for code in order:
        if code in available:
            return Choice(available[code], language, code)
    return Choice(None, language, None)


def fields_of(translation, names: Sequence[str], *, draft: bool) -> dict[str, str]:
    """The named content fields: the draft ones, or their published_* twins."""
    if translation is None:
        return dict.fromkeys(names, "")
    return {name: getattr(translation, name if draft else f"published_{name}") for name in names}


def language_context(choice: Choice) -> dict:
    """What a template needs to mark the text's language and explain a fallback."""
    shown = choice.shown or choice.requested
    info = get_language_info(shown)
    context = {
        "content_language": shown,
        "content_dir": "rtl" if info["bidi"] else "ltr",
        "fallback": None,
    }
    if choice.is_fallback:
        context["fallback"] = {
            "requested_name": _language_name(choice.requested),
            "shown_name": _language_name(shown),
        }
    return context


# Languages that write the names of languages in lower case mid-sentence
# ("disponível em português"), unlike English or German.
_LOWER_CASE_LANGUAGE_NAMES = {"es", "fr", "pt", "ru"}


def _language_name(code: str) -> str:
    """The language's name in the reader's language, as it reads mid-sentence."""
    name = str(get_language_info(code)["name_translated"])
    return name.lower() if get_language() in _LOWER_CASE_LANGUAGE_NAMES else name
