"""The organisers' form for an information page's text."""

from core.forms import DraftForm
from pages.models import PageTranslation


class PageTranslationForm(DraftForm):
    markdown_fields = ("body",)

    class Meta:
        model = PageTranslation
        fields = [*PageTranslation.CONTENT_FIELDS, "based_on"]
