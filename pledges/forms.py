import unicodedata
from functools import cache

from django import forms
from django.core.exceptions import ValidationError
from django.forms.utils import flatatt
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from abuse.forms import TrapMixin, not_disposable

PLEDGE_TEXT = _(
    "I stand against human trafficking and with its victims, and I will wear the "
    "Blue Heart to show it."
)
NEWS_TEXT = _("Email me campaign news (at most a few times a year; leave any time).")
# Stored with each confirmed pledge: bump it whenever PLEDGE_TEXT or NEWS_TEXT changes.
WORDING_VERSION = "2026-11-v2"
# The supporters' wall: asked after confirming, and on "My pledge"; unticked until
# the owner ticks it.
WALL_TEXT = _("Show me on the supporters' wall of this site, with my country")
SHOW_NAME_TEXT = _("Show my name publicly with my pledge (on badges and walls of supporters)")


def validate_no_control_characters(value: str) -> None:
    # CR/LF and friends have no place in a name, and must never reach a header.
    if any(unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp") for char in value):
        raise ValidationError(
            _("Please remove line breaks and other invisible characters from your name."),
            code="control_characters",
        )


@cache
def _country_codes() -> frozenset[str]:
    return frozenset(code for code, _name in countries)


@cache
def _country_options(language: str) -> str:
    # 249 <option>s through the widget templates cost more than the whole
    # signature; they depend only on the language, so render them once per language.
    return format_html_join("", '<option value="{}">{}</option>', countries)


def country_code(value: str) -> str:
    """The ISO code of a country on the list, or a translated error."""
    code = value.upper()
    if code not in _country_codes():
        raise ValidationError(_("Please choose a country from the list."), code="invalid")
    return code


class CountrySelect(forms.Select):
    def render(self, name, value, attrs=None, renderer=None):
        options = _country_options(get_language())
        if value:
            needle = f'<option value="{escape(value)}">'
            options = options.replace(needle, needle[:-1] + " selected>", 1)
        placeholder = format_html(
            '<option value=""{}>{}</option>',
            "" if value else mark_safe(" selected"),
            pgettext_lazy("country select", "Choose your country"),
        )
        final_attrs = self.build_attrs(self.attrs, attrs)
        return format_html(
            '<select name="{}"{}>{}{}</select>',
            name,
            flatatt(final_attrs),
            placeholder,
            # Built by format_html_join above; only a fixed attribute was added.
            mark_safe(options),  # noqa: S308
        )


class PledgeDetailsForm(forms.Form):
    """What a pledge records about its supporter, besides the address."""

    display_name = forms.CharField(
        label=_("Your name, as it may appear on your badge"),
        max_length=100,
        validators=[validate_no_control_characters],
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    country = forms.CharField(
        label=_("Your country"),
        widget=CountrySelect(attrs={"autocomplete": "country"}),
        error_messages={"required": _("Please choose your country.")},
    )

    def clean_country(self) -> str:
        return country_code(self.cleaned_data["country"])


class PledgeForm(TrapMixin, PledgeDetailsForm):
    """The public form. Anyone may type any address into it, so what it says is
    only a proposal until the address's owner confirms it."""

    email = forms.EmailField(
        label=_("Your email"),
        max_length=254,
        help_text=_("We send you a link to confirm. We never show your email to anyone."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        validators=[not_disposable],
    )
    pledge = forms.BooleanField(
        label=PLEDGE_TEXT,
        error_messages={"required": _("Please tick the box to take the pledge.")},
    )

    field_order = ["display_name", "email", "country", "pledge"]

    def clean_email(self) -> str:
        return normalise_email(self.cleaned_data["email"])


class ConfirmForm(TrapMixin, PledgeDetailsForm):
    """The page the confirmation link opens: what confirming will record.

    The news box starts unticked whatever the signature said: consent comes only
    from a box the owner ticked, on a page only the owner's link opens.
    """

    wants_updates = forms.BooleanField(label=NEWS_TEXT, required=False)


class WallChoiceForm(TrapMixin, forms.Form):
    """The thank-you page's question: appear on the supporters' wall?

    `choice` is the token only the owner's confirming POST was answered with
    (pledges.tokens): it names the pledge, so no bare id ever does. Both boxes
    start unticked: nobody is on the wall unless they ticked it.
    """

    choice = forms.CharField(widget=forms.HiddenInput, max_length=200)
    on_wall = forms.BooleanField(label=WALL_TEXT, required=False)
    show_publicly = forms.BooleanField(label=SHOW_NAME_TEXT, required=False)


def normalise_email(address: str) -> str:
    # Domains are case-insensitive; the local part is kept exactly as typed.
    local, _at, domain = address.rpartition("@")
    return f"{local}@{domain.lower()}"


class NewLinkForm(TrapMixin, forms.Form):
    email = forms.EmailField(
        label=_("Your email"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        validators=[not_disposable],
    )

    def clean_email(self) -> str:
        return normalise_email(self.cleaned_data["email"])
