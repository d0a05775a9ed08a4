from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from campaign.models import Country, CountryTranslation


class CountryTranslationInline(admin.StackedInline):
    model = CountryTranslation
    extra = 0


@admin.register(Country)
class CountryAdmin(SimpleHistoryAdmin):
    list_display = ["code", "status", "launch_date", "is_published"]
    list_filter = ["status", "is_published"]
    inlines = [CountryTranslationInline]
