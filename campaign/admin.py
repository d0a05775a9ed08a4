from django.contrib import admin

from campaign.models import Country


@admin.register(Country)
class CountryAdmin(admin.ModelAdmin):
    list_display = ["code", "status", "launch_month"]
    list_filter = ["status"]
