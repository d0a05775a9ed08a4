from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User
from pledges.forms import CountrySelect, country_code


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

    def clean(self):
        data = super().clean()
        if (
            "role" in data
            and "country" in data
            and (data["role"] == Role.MODERATOR) != bool(data["country"])
        ):
            raise ValidationError(_("A moderator needs a country, and only a moderator has one."))
        return data
