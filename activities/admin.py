from django.contrib import admin
from django.db.models import Prefetch, Q
from django.utils.text import smart_split
from django.utils.translation import gettext_lazy as _

from children.models import Child
from core.admin import LargeTableAdmin, LookupAdmin, RefusedAtSaveMixin, ScopedAdmin, TownshipFilter
from core.ledger_admin import LedgerImportExportMixin
from core.search import word_condition
from volunteers.models import Volunteer

from .forms import ActivityAdminForm, VisitAdminForm
from .models import Activity, ActivityType, Course, Visit, VisitMode, Workstation
from .resources import ActivityResource, VisitResource
from .services import activity_save, visit_delete, visit_save


@admin.register(VisitMode)
class VisitModeAdmin(LookupAdmin):
    pass


@admin.register(ActivityType)
class ActivityTypeAdmin(LookupAdmin):
    pass


@admin.register(Course)
class CourseAdmin(ScopedAdmin):
    list_display = ["name", "region", "provider"]
    search_fields = ["name", "provider"]
    list_select_related = ["region"]
    autocomplete_fields = ["region"]


@admin.register(Workstation)
class WorkstationAdmin(ScopedAdmin):
    list_display = ["name", "region", "address", "opened_on"]
    list_filter = [TownshipFilter]
    search_fields = ["name", "address"]
    list_select_related = ["region"]
    autocomplete_fields = ["region"]


@admin.register(Visit)
class VisitAdmin(RefusedAtSaveMixin, LedgerImportExportMixin, LargeTableAdmin):
    ordering = ["-visited_on", "-id"]  # = an index (issue 16), unique last
    resource_classes = [VisitResource]
    form = VisitAdminForm
    list_display = ["child", "visited_on", "mode", "visitor_names", "goods_value", "reassessed_colour", "source"]
    # 记录来源: a caring mother's own records (mothers.views) are found and checked here.
    list_filter = [TownshipFilter, "mode", "visited_on", "reassessed_colour", "source"]
    search_fields = ["child__name", "child__id_number", "visitors__name", "staff_visitors"]
    list_select_related = ["child", "mode"]
    autocomplete_fields = ["child", "mode", "visitors"]
    readonly_fields = ["recorded_by", "source"]

    def get_urls(self):
        from django.urls import path

        from .autocomplete import VisitorsAutocompleteView

        view = self.admin_site.admin_view(VisitorsAutocompleteView.as_view(admin_site=self.admin_site))
        name = "activities_visit_visitors_autocomplete"
        return [path("visitors-autocomplete/", view, name=name), *super().get_urls()]

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        # The mothers box also finds the current mothers of the user's children in other townships.
        if db_field.name == "visitors" and "widget" not in kwargs:
            from .autocomplete import VisitorsAutocomplete

            kwargs["widget"] = VisitorsAutocomplete(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        # Through the service: the reassessment moves the card, recorded_by is set, the key kept.
        visit_save(
            visit=obj,
            visitors=form.cleaned_data.get("visitors") or [],
            correction_reason=form.cleaned_data.get("correction_reason") or "",
            by=request.user,
        )

    def delete_model(self, request, obj):
        visit_delete(visit=obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for visit in queryset:
            visit_delete(visit=visit, by=request.user)

    #: A word naming at most this many children in scope and this many mothers is searched from
    #: them: their visits through the child and visitor indexes, only those sorted. A commoner
    #: word is searched along the date index (visit_latest), which meets a page of matches early.
    #: A rare name at province scale: 3.2 s with the visitors joined, 1.8 s with EXISTS along the
    #: date index, ~30 ms this way (issue 16).
    FEW_MATCHES = 200

    def _search(self, request, queryset, search_term):
        words = list(smart_split(search_term or ""))
        fields = self.get_search_fields(request)
        if len(words) != 1 or words[0][:1] in "\"'" or not {"child__name", "visitors__name"} <= set(fields):
            return super()._search(request, queryset, search_term)
        word, few = words[0], self.FEW_MATCHES
        named = [word_condition(Child, "name", word)]
        if "child__id_number" in fields:  # complete-identity roles only (get_search_fields)
            named.append(word_condition(Child, "id_number", word))  # None for a short word
        children = Child.objects.for_user(request.user).filter(Q.create([q for q in named if q], connector=Q.OR))
        mothers = Volunteer._base_manager.filter(word_condition(Volunteer, "name", word))
        # Unordered: the lists' default order (by region code) would sort every match first.
        children = list(children.order_by().values_list("pk", flat=True)[: few + 1])
        mothers = list(mothers.order_by().values_list("pk", flat=True)[: few + 1])
        if len(children) > few or len(mothers) > few:
            return super()._search(request, queryset, search_term)
        parts = [Visit._base_manager.filter(child_id__in=children).values("pk")] if children else []
        if mothers:
            parts.append(Visit.visitors.through.objects.filter(volunteer_id__in=mothers).values("visit_id"))
        if "staff_visitors" in fields:
            # Only visits that name staff: the partial trigram index (PostgreSQL) holds just those.
            staff = Visit._base_manager.exclude(staff_visitors="").filter(word_condition(Visit, "staff_visitors", word))
            parts.append(staff.values("pk"))
        if not parts:
            return queryset.none(), False
        parts = [part.order_by() for part in parts]  # SQLite allows no ORDER BY inside a UNION
        matched = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
        return queryset.filter(pk__in=matched), False

    def get_queryset(self, request):
        names = Volunteer.objects.only("id", "name")
        return super().get_queryset(request).prefetch_related(Prefetch("visitors", queryset=names))

    @admin.display(description=_("visited by"))
    def visitor_names(self, obj):
        names = [v.name for v in obj.visitors.all()]
        if obj.staff_visitors:
            names.append(obj.staff_visitors)
        return "、".join(names)


@admin.register(Activity)
class ActivityAdmin(RefusedAtSaveMixin, LedgerImportExportMixin, LargeTableAdmin):
    ordering = ["-held_on", "-id"]  # = an index (issue 16), unique last
    resource_classes = [ActivityResource]
    form = ActivityAdminForm
    list_display = [
        "title",
        "held_on",
        "activity_type",
        "region",
        "place",
        "children_count",
        "volunteers_count",
        "person_times",
        "goods_value",
    ]
    list_filter = [TownshipFilter, "activity_type", "held_on", ("course", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["title", "place", "description"]
    list_select_related = ["activity_type", "region"]
    autocomplete_fields = ["activity_type", "region", "workstation", "course", "children", "volunteers"]

    def save_model(self, request, obj, form, change):
        # Through the service, with the ticked lists: the counts are checked and filled against
        # them before anything is written (the form has shown any refusal already).
        activity_save(
            activity=obj,
            children=form.cleaned_data.get("children", None),
            volunteers=form.cleaned_data.get("volunteers", None),
            correction_reason=form.cleaned_data.get("correction_reason") or "",
            by=request.user,
        )
