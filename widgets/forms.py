from django import forms
from django.conf import settings
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from widgets.counter import Widget


def _language_choices() -> list[tuple[str, str]]:
    # Each language in its own name: whoever reads it is looking for their own.
    return [(code, get_language_info(code)["name_local"]) for code, _name in settings.LANGUAGES]


class WidgetForm(forms.Form):
    """Which widget to give an organisation: a country (or the world) and a language."""

    country = forms.ChoiceField(label=_("Whose supporters to count"), required=False)
    lang = forms.ChoiceField(label=_("Language of the widget"), choices=_language_choices)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Built per form, in the active language, sorted by their translated names.
        self.fields["country"].choices = [("", _("The whole world")), *countries]

    def widget(self) -> Widget:
        return Widget(self.cleaned_data["country"] or None, self.cleaned_data["lang"])
