"""The <iso2:…> path converter, registered once for every URL module that uses it."""

from django.urls import register_converter


class CountryCode:
    """Two letters: anything else is no country's page (and never reaches a
    query: PostgreSQL refuses a NUL byte with an error, not an empty result)."""

    regex = "[A-Za-z]{2}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value) -> str:
        return str(value)


register_converter(CountryCode, "iso2")
