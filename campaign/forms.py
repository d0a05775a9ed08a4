from django import forms
from django.utils.translation import gettext_lazy as _

from abuse.forms import TrapMixin, not_disposable
from pledges.forms import normalise_email


class LaunchSignupForm(TrapMixin, forms.Form):
    """ "Tell me when it launches": an address, nothing else."""

    email = forms.EmailField(
        label=_("Your email"),
        max_length=254,
        help_text=_("One email when the campaign launches here; then we delete your address."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={"required": _("Please enter your email.")},
        validators=[not_disposable],
    )

    def __init__(self, *args, **kwargs):
        # The country page also holds the pledge form, whose email field is
        # id_email: ids on one page must differ, or a label names the wrong field.
        kwargs.setdefault("auto_id", "launch-signup-%s")
        super().__init__(*args, **kwargs)

    def clean_email(self) -> str:
        return normalise_email(self.cleaned_data["email"])
