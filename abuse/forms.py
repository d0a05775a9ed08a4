"""What every public form carries: a honeypot, and (where it takes an address)
the refusal of disposable email domains.

The honeypot is a text field that people never see or reach (moved off screen by
the stylesheet, out of the tab order, hidden from screen readers, no autofill)
and that form-filling scripts fill in. A form sent with it filled gets the answer
a person would get, and nothing is done: a script learns nothing, and no one is
emailed or counted. No CAPTCHA, no timing traps: the site works without
JavaScript for everyone.
"""

from disposable_email_domains import blocklist
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# A name that form-filling scripts fill in, and that no form here uses.
TRAP_FIELD = "website"


class TrapInput(forms.TextInput):
    """The honeypot's input, with its own label in a container hidden from
    screen readers (abuse/widgets/trap.html)."""

    template_name = "abuse/widgets/trap.html"
    # Hidden from people, so forms and their templates treat it as hidden: it is
    # rendered alone (label included), never in a visible field's layout.
    is_hidden = True

    def __init__(self) -> None:
        # Its template writes no value: whatever was sent is never shown again.
        super().__init__(attrs={"tabindex": "-1", "autocomplete": "off"})


class TrapMixin:
    """Adds the honeypot to a form; `is_trapped()` tells whether it was filled."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields[TRAP_FIELD] = forms.CharField(required=False, widget=TrapInput())

    def is_trapped(self) -> bool:
        return bool(self.is_bound and self.data.get(self.add_prefix(TRAP_FIELD), "").strip())

    def clean(self):
        cleaned_data = super().clean()
        # The honeypot is the view's business (is_trapped), never a service's.
        (self.cleaned_data if cleaned_data is None else cleaned_data).pop(TRAP_FIELD, None)
        return cleaned_data


class TrapForm(TrapMixin, forms.Form):
    """A form that is only a button (unsubscribe, confirming a launch sign-up):
    the honeypot alone."""


def is_disposable(domain: str) -> bool:
    """Whether the domain, or a domain it is under, is on the list of
    disposable email services (the disposable-email-domains package)."""
    labels = domain.lower().rstrip(".").split(".")
    # Every parent domain but the top-level one: x.y.mailinator.com is mailinator.com's.
    return any(".".join(labels[start:]) in blocklist for start in range(len(labels) - 1))


def not_disposable(address: str) -> None:
    """Refuses an address at a disposable email service: it stops working within
    hours, and a pledge is confirmed, and kept, through its address."""
    domain = address.rpartition("@")[2]
    if is_disposable(domain):
        raise ValidationError(
            _(
                "Addresses at %(domain)s stop working after a short while. Please use an "
                "address you keep: your pledge is confirmed and managed through it."
            ),
            code="disposable",
            params={"domain": domain},
        )
