from allauth.account.forms import LoginForm, RequestLoginCodeForm, SignupForm
from allauth.core import context as allauth_context
from allauth.core.exceptions import ImmediateHttpResponse
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from abuse import limits
from abuse.forms import TrapMixin, not_disposable
from accounts.models import Role, User
from accounts.services import account_with_email
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
        user = account_with_email(self.cleaned_data["email"])
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


class AccountEntryMixin(TrapMixin):
    """What allauth's forms that email an address (sign in, ask for a code, sign
    up; ACCOUNT_FORMS) add to allauth's own checks and rate limits: the
    honeypot, the refusal of disposable domains, and the per-domain limit,
    which allauth's limits (per address and per network) do not have.

    A filled honeypot gets a plain form error: allauth has no public way to
    answer as if a code had been sent without sending one."""

    email_field = "email"

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields[self.email_field].validators.append(not_disposable)

    def clean(self):
        if self.is_trapped():
            raise ValidationError(
                _("Please leave the field “Leave this field empty” empty."), code="trapped"
            )
        email = self.cleaned_data.get(self.email_field)
        if email and not self.errors:
            request = allauth_context.request
            refused = limits.too_many(request, "sign-in", email=email, scopes=(limits.DOMAIN,))
            if refused:
                raise ImmediateHttpResponse(refused)
        return super().clean()


class SignInForm(AccountEntryMixin, LoginForm):
    email_field = "login"


class RequestCodeForm(AccountEntryMixin, RequestLoginCodeForm):
    pass


class SignUpForm(AccountEntryMixin, SignupForm):
    pass
