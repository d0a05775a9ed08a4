"""The forms of the campaign updates' staff pages: the update itself (its
audience and its text in each language), a test send, and sending."""

import unicodedata

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from accounts.rules import countries_in_scope
from core.editing import language_name
from core.forms import validate_markdown
from mailings import services
from mailings.models import Mailing
from pledges.forms import country_code

EVERY_COUNTRY = ""


def _one_line(value: str) -> None:
    # A subject becomes a mail header: no line breaks, nothing invisible.
    if any(unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp") for char in value):
        raise ValidationError(
            _("Please remove line breaks and other invisible characters from the subject."),
            code="control_characters",
        )


class UpdateForm(forms.Form):
    """The audience, and a subject and a Markdown text per content language.

    The country list offers only what the actor may address; a country typed
    in anyway is still accepted here and refused by the service (a 403), as
    the permission is the service's to decide, not a form's."""

    country = forms.CharField(label=_("Country"), required=False, widget=forms.Select)
    language = forms.ChoiceField(
        label=_("Language"),
        required=False,
        choices=[("", _("Every language")), *settings.LANGUAGES],
        help_text=_("Only supporters who chose this language for our emails."),
    )

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        scope = countries_in_scope(actor, services.ACTION)
        if scope is None:
            choices = [(EVERY_COUNTRY, _("Every country")), *((c.code, c.name) for c in countries)]
            help_text = _(
                "Every country: all confirmed supporters who want news. A country: its "
                "supporters who also want its news."
            )
        else:
            mine = sorted(scope, key=countries.name)
            choices = [(code, countries.name(code)) for code in mine]
            help_text = _("Your countries' supporters who want their country's news.")
        self.fields["country"].widget.choices = choices
        self.fields["country"].help_text = help_text
        self.languages = []
        for code, _name in settings.CONTENT_LANGUAGES:
            # The text is in its own language: screen readers and spell
            # checkers should read it as such.
            attrs = {"lang": code, "dir": "auto"}
            self.fields[f"subject_{code}"] = forms.CharField(
                label=_("Subject"),
                max_length=200,
                required=False,
                validators=[_one_line],
                widget=forms.TextInput(attrs=attrs),
            )
            self.fields[f"body_{code}"] = forms.CharField(
                label=_("Text (Markdown)"),
                required=False,
                strip=False,
                validators=[validate_markdown],
                widget=forms.Textarea(attrs={**attrs, "rows": 10}),
                help_text=_(
                    "Markdown: **bold**, [a link](https://example.org), a footnote[^1] and "
                    "its source on a line of its own ([^1]: Source, year)."
                ),
            )
            self.languages.append(
                {
                    "code": code,
                    "name": language_name(code),
                    "subject": self[f"subject_{code}"],
                    "body": self[f"body_{code}"],
                }
            )

    @classmethod
    def initial_for(cls, mailing: Mailing) -> dict:
        initial = {"country": mailing.country.code or EVERY_COUNTRY, "language": mailing.language}
        for text in mailing.texts.all():
            initial[f"subject_{text.language}"] = text.subject
            initial[f"body_{text.language}"] = text.body
        return initial

    def clean_country(self) -> str:
        code = self.cleaned_data["country"]
        return country_code(code) if code else EVERY_COUNTRY

    def clean(self):
        data = super().clean()
        texts = {}
        for code, _name in settings.CONTENT_LANGUAGES:
            subject_field, body_field = f"subject_{code}", f"body_{code}"
            if subject_field in self.errors or body_field in self.errors:
                continue
            subject = data[subject_field]
            # Browsers send CRLF line ends: store LF, as the page editors do.
            body = data[body_field].replace("\r\n", "\n").strip()
            if subject and not body:
                self.add_error(body_field, _("Please write the text that goes with this subject."))
            elif body and not subject:
                self.add_error(subject_field, _("Please give this text a subject."))
            elif subject:
                texts[code] = (subject, body)
        if not texts and not self.errors:
            raise ValidationError(
                _("Please write the update in at least one language: a subject and its text."),
                code="no_text",
            )
        data["texts"] = texts
        return data

    def update_data(self) -> dict:
        """The keyword arguments of services.save_update."""
        return {
            "country": self.cleaned_data["country"],
            "language": self.cleaned_data["language"],
            "texts": self.cleaned_data["texts"],
        }


class SendToMeForm(forms.Form):
    language = forms.ChoiceField(label=_("Send me the text in"))

    def __init__(self, *args, mailing: Mailing, **kwargs):
        super().__init__(*args, **kwargs)
        codes = [text.language for text in mailing.texts.all()]
        self.fields["language"].choices = [(code, language_name(code)) for code in codes]


class SendForm(forms.Form):
    when = forms.ChoiceField(
        label=_("When"),
        choices=[("now", _("Now")), ("later", _("At a date and time"))],
        initial="now",
        widget=forms.RadioSelect,
    )
    at = forms.DateTimeField(
        label=_("Date and time (UTC)"),
        required=False,
        # A date and time picker without JavaScript; the value is YYYY-MM-DDTHH:MM.
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        error_messages={"invalid": _("Please enter a date and time such as 2026-12-01 09:30.")},
    )

    def clean(self):
        data = super().clean()
        if data.get("when") != "later" or "at" in self.errors:
            return data
        at = data.get("at")
        if at is None:
            self.add_error("at", _("Please choose when to send the update."))
        elif at <= timezone.now():
            # The service would send a time already past at once: refuse it
            # here, so that a typo in the year does not send the update now.
            self.add_error("at", _("Please choose a time in the future."))
        return data

    def send_at(self):
        """When to send: None for now."""
        return self.cleaned_data["at"] if self.cleaned_data["when"] == "later" else None
