"""The administrators' review of suspect pledges (abuse/review.py): which
pledges an action takes, and the action. (abuse/forms.py is what every public
form carries.)"""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import DomainNameValidator
from django.utils.translation import gettext_lazy as _

from abuse import review
from accounts.models import ReviewAction

HEX_KEY = re.compile(rf"^[0-9a-f]{{{review.SHORT_KEY},32}}$")


class CriteriaForm(forms.Form):
    """Which pledges a review takes: a network, a domain, a time window, or
    several of them together."""

    network = forms.CharField(
        label=_("Network"),
        required=False,
        max_length=32,
        help_text=_("Its key as the list shows it (at least 8 characters)."),
    )
    domain = forms.CharField(
        label=_("Email domain"),
        required=False,
        max_length=253,
        help_text=_("For example example.org: every address at it."),
    )
    signed_from = forms.DateTimeField(
        label=_("Signed from (UTC)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    signed_before = forms.DateTimeField(
        label=_("Signed before (UTC)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    everything = forms.BooleanField(
        label=_("Not only suspect pledges"),
        required=False,
        help_text=_(
            "Restoring then also counts invalid pledges again; invalidating also "
            "takes counted ones out of the counts."
        ),
    )

    def clean_network(self) -> str:
        value = self.cleaned_data["network"].strip().lower()
        if value and not HEX_KEY.match(value):
            raise ValidationError(
                _("A network is 8 to 32 of the characters 0-9 and a-f, as the list shows it.")
            )
        return value

    def clean_domain(self) -> str:
        value = self.cleaned_data["domain"].strip().lower().removeprefix("@")
        if value:
            try:
                DomainNameValidator()(value)
            except ValidationError:
                raise ValidationError(_("Enter a domain such as example.org.")) from None
        return value

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        start, end = data.get("signed_from"), data.get("signed_before")
        if not (data.get("network") or data.get("domain") or start or end):
            raise ValidationError(_("Choose a network, a domain or a time window."))
        if start and end and end <= start:
            raise ValidationError(_("The end of the time window is not after its start."))
        return data

    def criteria(self) -> review.Criteria:
        data = self.cleaned_data
        return review.Criteria(
            network=data["network"],
            domain=data["domain"],
            signed_from=data["signed_from"],
            signed_before=data["signed_before"],
            everything=data["everything"],
        )


class ReviewForm(CriteriaForm):
    action = forms.ChoiceField(label=_("Action"), choices=ReviewAction.Action.choices)
