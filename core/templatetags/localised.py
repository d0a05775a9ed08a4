"""Numbers in the page's language, and other people's text kept apart from ours.

`grouped`: a count as the page's locale writes it (Django's formats, with
config/formats/ where Django's own leave a count ungrouped): 1,234,567 in English
and Chinese, 1 234 567 in French, Spanish and Russian (no-break spaces),
1.234.567 in Portuguese. Only for counts shown to people: never a year, an id,
or a machine-readable value (<data value>, <progress max>), which stay raw.

`bdi`: a name, an address or a number placed inside a translated sentence,
isolated (<bdi>) so that its direction never rearranges the sentence around it:
an Arabic name inside English text, an email address inside Arabic text.
"""

from django import template
from django.utils import formats
from django.utils.html import format_html

register = template.Library()


@register.filter
def grouped(value):
    if value is None or value == "":
        return value
    return formats.number_format(value, force_grouping=True)


@register.filter
def bdi(value):
    return format_html("<bdi>{}</bdi>", value)
