from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User
from pledges.forms import (
    NEWS_TEXT,
    SHOW_NAME_TEXT,
    WALL_TEXT,
    CountrySelect,
    PledgeDetailsForm,
    country_code,
)


class RoleChangeForm(forms.Form):
    """Whom, which role, and for a moderator which country."""

    email = forms.EmailField(label=_("Their account's email"), max_length=254)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    country = forms.CharField(
        label=_("Country (moderators only)"),
        required=False,
        widget=CountrySelect(attrs={"autocomplete": "off"}),
    )

    def clean_email(self) -> User:
        user = User.objects.filter(email__iexact=self.cleaned_data["email"]).first()
        if user is None:
            raise ValidationError(
                _("No account uses this address. Ask them to sign in once first."),
                code="unknown",
            )
        return user

    def clean_country(self) -> str:
        return country_code(self.cleaned_data["country"]) if self.cleaned_data["country"] else ""


class PreferencesForm(PledgeDetailsForm):
    """What the owner of a confirmed pledge may change on "My pledge"."""

    # Which of the user's pledges (nearly always their only one).
    pledge = forms.UUIDField(widget=forms.HiddenInput)
    show_publicly = forms.BooleanField(label=SHOW_NAME_TEXT, required=False)
    on_wall = forms.BooleanField(label=WALL_TEXT, required=False)
    language = forms.ChoiceField(
        label=_("Language of the emails we send you"),
        choices=settings.LANGUAGES,
        error_messages={"invalid_choice": _("Please choose a language from the list.")},
    )
    wants_updates = forms.BooleanField(label=NEWS_TEXT, required=False)

    field_order = ["pledge", "display_name", "show_publicly", "on_wall", "country", "language"]


class EraseForm(forms.Form):
    understand = forms.BooleanField(
        label=_(
            "I understand that my name, my email and my account will be erased for good, "
            "and that this cannot be undone."
        ),
        error_messages={"required": _("Please tick the box to confirm.")},
    )
