from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from pages.models import Page, PageTranslation


class PageTranslationInline(admin.StackedInline):
    model = PageTranslation
    extra = 0


@admin.register(Page)
class PageAdmin(SimpleHistoryAdmin):
    list_display = ["slug", "position", "is_published"]
    inlines = [PageTranslationInline]
