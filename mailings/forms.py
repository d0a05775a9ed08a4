from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from abuse.forms import TrapMixin
from pledges.forms import NEWS_TEXT


class EmailPreferencesForm(TrapMixin, forms.Form):
    wants_updates = forms.BooleanField(label=NEWS_TEXT, required=False)
    country_news = forms.BooleanField(required=False)
    language = forms.ChoiceField(label=_("Language of our emails"), choices=settings.LANGUAGES)

    def __init__(self, *args, country_name: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country_news"].label = _("Also the news for %(country)s") % {
            "country": country_name
        }
