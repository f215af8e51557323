from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from clara.admin_edit_conflicts import EditConflictAdminMixin
from clara.admin_helpers import (
    BoundedInlineMixin,
    SpreadsheetExportMixin,
    SpreadsheetImportExportMixin,
    euros_column,
    year_filter,
)
from events.models import (
    Event,
    EventSpeaker,
    InternationalAction,
    Poster,
    Prize,
    SurveyResponse,
    WorkingGroup,
)
from events.resources import (
    EventLinksResource,
    EventResource,
    EventSpeakerResource,
    InternationalActionResource,
    PosterResource,
    PrizeResource,
    SurveyResponseResource,
    WorkingGroupResource,
)


@admin.register(WorkingGroup)
class WorkingGroupAdmin(EditConflictAdminMixin, SpreadsheetExportMixin, admin.ModelAdmin):
    resource_classes = [WorkingGroupResource]
    list_display = ("name", "acronym", "started_on", "ended_on", "member_count")
    search_fields = ("name", "acronym")
    autocomplete_fields = ("members",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(member_count=Count("members"))

    @admin.display(description=_("membres"), ordering="member_count")
    def member_count(self, obj):
        return obj.member_count


class EventSpeakerInline(EditConflictAdminMixin, BoundedInlineMixin, admin.TabularInline):
    model = EventSpeaker
    extra = 0
    fields = ("person", "topic")
    autocomplete_fields = ("person",)


class PosterInline(EditConflictAdminMixin, BoundedInlineMixin, admin.TabularInline):
    model = Poster
    extra = 0
    fields = ("kind", "title", "presenter")
    autocomplete_fields = ("presenter",)


class PrizeInline(EditConflictAdminMixin, BoundedInlineMixin, admin.TabularInline):
    model = Prize
    extra = 0
    fields = ("kind", "label", "poster", "laureate", "awarded_by_clara")
    autocomplete_fields = ("poster", "laureate")


@admin.register(Event)
class EventAdmin(EditConflictAdminMixin, SpreadsheetImportExportMixin, admin.ModelAdmin):
    resource_classes = [EventResource, EventLinksResource]
    list_display = (
        "title", "kind", "role", "start_date", "end_date", "site", "participants",
        "subsidy_euros", "parent",
    )
    list_filter = (
        "kind", "role", year_filter("start_date"), "site", "is_international",
    )
    list_select_related = ("site", "award", "parent")
    search_fields = ("title", "venue", "organiser__name")
    date_hierarchy = "start_date"
    autocomplete_fields = ("parent", "organiser", "call", "working_group", "award")
    inlines = [EventSpeakerInline, PosterInline, PrizeInline]
    subsidy_euros = euros_column("award__amount", _("subvention"))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "award":
            # Award.__str__ names the application.
            kwargs["queryset"] = db_field.related_model.objects.select_related("application")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(EventSpeaker)
class EventSpeakerAdmin(EditConflictAdminMixin, SpreadsheetExportMixin, admin.ModelAdmin):
    resource_classes = [EventSpeakerResource]
    list_display = ("person", "event", "topic")
    list_filter = (year_filter("event__start_date"), "event__kind")
    list_select_related = ("person", "event")
    search_fields = ("person__last_name", "event__title", "topic")
    autocomplete_fields = ("event", "person")

    def get_queryset(self, request):
        # __str__ follows a foreign key, also in autocomplete results. The changelist
        # ignores list_select_related once the queryset selects related rows: pass it.
        return super().get_queryset(request).select_related(*self.list_select_related)


@admin.register(Poster)
class PosterAdmin(EditConflictAdminMixin, SpreadsheetExportMixin, admin.ModelAdmin):
    resource_classes = [PosterResource]
    list_display = ("title", "kind", "event", "presenter")
    list_filter = ("kind", year_filter("event__start_date"))
    list_select_related = ("event", "presenter")
    search_fields = ("title", "presenter__last_name", "event__title")
    autocomplete_fields = ("event", "presenter")


@admin.register(Prize)
class PrizeAdmin(EditConflictAdminMixin, SpreadsheetExportMixin, admin.ModelAdmin):
    resource_classes = [PrizeResource]
    list_display = ("label", "kind", "event", "poster", "laureate", "awarded_by_clara")
    list_filter = ("kind", "awarded_by_clara", year_filter("event__start_date"))
    list_select_related = ("event", "poster", "laureate")
    search_fields = ("label", "event__title", "laureate__name", "poster__title")
    autocomplete_fields = ("event", "poster", "laureate")


@admin.register(SurveyResponse)
class SurveyResponseAdmin(EditConflictAdminMixin, SpreadsheetExportMixin, admin.ModelAdmin):
    resource_classes = [SurveyResponseResource]
    list_display = ("event", "rating", "would_recommend")
    list_filter = ("would_recommend", "rating", year_filter("event__start_date"))
    list_select_related = ("event",)
    search_fields = ("event__title", "comment")
    autocomplete_fields = ("event",)

    def get_queryset(self, request):
        # __str__ follows a foreign key, also in autocomplete results. The changelist
        # ignores list_select_related once the queryset selects related rows: pass it.
        return super().get_queryset(request).select_related(*self.list_select_related)


@admin.register(InternationalAction)
class InternationalActionAdmin(EditConflictAdminMixin, SpreadsheetExportMixin, admin.ModelAdmin):
    resource_classes = [InternationalActionResource]
    list_display = (
        "title", "kind", "person", "country_name", "institution", "start_date", "end_date",
        "amount_euros",
    )
    list_filter = ("kind", year_filter("start_date"), "country")
    list_select_related = ("person", "award")
    search_fields = ("title", "institution", "person__last_name")
    date_hierarchy = "start_date"
    autocomplete_fields = ("person", "award", "members")
    amount_euros = euros_column("award__amount", _("financement"))

    @admin.display(description=_("pays"), ordering="country")
    def country_name(self, obj):
        # The field's own column rebuilt the 250 translated country choices for every row
        # (0.4 s for a page of 100 rows).
        return obj.country.name

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "award":
            kwargs["queryset"] = db_field.related_model.objects.select_related("application")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
