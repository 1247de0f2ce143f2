"""Admin base classes: every scoped register reaches its rows through ``for_user``.

Cross-cutting rules live here so each app's admin stays declarative: region scope on every
path (lists, forms, autocomplete, raw-id labels, actions, history), masking of ID and phone
numbers, superuser-only deletes, archived rows behind a filter, and who may export or import.
"""

import datetime

from django.contrib import admin, messages
from django.contrib.admin.utils import lookup_spawns_duplicates, unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db.models import Exists, OuterRef, Q
from django.db.models.constants import LOOKUP_SEP
from django.http import Http404, HttpResponseRedirect
from django.utils.functional import cached_property
from django.utils.text import smart_split, unescape_string_literal
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper
from unfold.admin import ModelAdmin, TabularInline
from unfold.paginator import InfinitePaginator
from unfold.widgets import UnfoldForeignKeyRawIdWidget

from core.masking import (
    IDENTITY_FIELDS,
    SEARCH_LIMITED,
    id_number_for,
    identity_search_for,
    identity_search_refused,
    mask_birth_date,
    phone_for,
    sees_full_identity,
)
from core.people import remember_request
from core.search import word_condition
from core.signals import access_logged, child_record_viewed
from regions.labels import region_label
from regions.models import Level, Region

#: Fields shown masked to users without ``children.view_full_identity``, and how to mask them.
SENSITIVE_FIELDS = {
    "id_number": id_number_for,
    "phone": phone_for,
    "guardian_phone": phone_for,
    "birth_date": lambda user, value: mask_birth_date(value),
    # the child's family (issue 14); their masked_<name> columns are children.admin's
    **dict.fromkeys(["father_id_number", "mother_id_number", "guardian_id_number"], id_number_for),
    **dict.fromkeys(["father_phone", "mother_phone"], phone_for),
}
#: Fields a masked role may neither filter on (``?birth_date__lt=``) nor search by a part of.
ORACLE_FIELDS = IDENTITY_FIELDS | {"birth_date"}

#: Rows that are archived rather than deleted; default changelists hide them behind a filter.
ARCHIVED = {
    "children.child": Q(status="exited"),
    "volunteers.volunteer": Q(status="left"),
    "pairing.pairing": Q(ended_on__isnull=False),
}


def _scoped(queryset, request):
    """Apply the user's region scope when the model has one; lookups are shared by all."""
    if hasattr(queryset, "for_user"):
        return queryset.for_user(request.user)
    return queryset


def _many_valued(field):
    return field.is_relation and (field.many_to_many or field.one_to_many)


def _exists_arm(model, field, bit):
    """``field`` ("visitors__name", "members__volunteer__name") matching ``bit`` as an EXISTS
    over the related rows of each outer row (None: the field is not searched for this word)."""
    first, path = field.lstrip("^=@").split(LOOKUP_SEP, 1)
    relation = model._meta.get_field(first)
    back = relation.related_query_name() if relation.concrete else relation.remote_field.name
    condition = word_condition(relation.related_model, path, bit, indexed=False)
    if condition is None:
        return None
    related = relation.related_model._base_manager.filter(condition, **{back: OuterRef("pk")})
    return Q(Exists(related))


def _plain_path(model, path):
    """Whether ``path`` ("name", "team__name", "members__volunteer__name") names a column
    through relations only, as core.search expects (no "name__exact", no prefix)."""
    if path[:1] in "^=@":
        return False
    field = None
    for part in path.split(LOOKUP_SEP):
        if field is not None:
            if not field.is_relation:
                return False
            model = field.related_model
        try:
            field = model._meta.get_field(part)
        except Exception:  # FieldDoesNotExist, or a lookup name
            return False
    return field is not None and not field.is_relation


class ScopedRawIdWidget(UnfoldForeignKeyRawIdWidget):
    """A raw-id input whose label only names rows the user may see.

    Django looks the label up through the model's default manager (ticket #37213), so a
    forged or stale id would print another township's child next to the box.
    """

    def __init__(self, *args, queryset=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.queryset = queryset

    def label_and_url_for_value(self, value):
        key = self.rel.get_related_field().name
        try:
            visible = self.queryset is None or self.queryset.filter(**{key: value}).exists()
        except (ValueError, TypeError):
            visible = False
        if not visible:
            return "", ""
        return super().label_and_url_for_value(value)


class ScopedFormfieldsMixin:
    """Foreign-key and many-to-many choices come from the scoped queryset.

    Django's ``get_field_queryset`` ignores the related admin's ``get_queryset`` (ticket
    #34566), so without this a form would offer, and accept, another township's rows.
    """

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "queryset" not in kwargs:
            queryset = self.get_field_queryset(None, db_field, request)
            if queryset is None:
                queryset = db_field.remote_field.model._default_manager.all()
            kwargs["queryset"] = _scoped(queryset, request)
        if "widget" not in kwargs and db_field.name in self.raw_id_fields:
            kwargs["widget"] = ScopedRawIdWidget(
                db_field.remote_field, self.admin_site, using=kwargs.get("using"), queryset=kwargs["queryset"]
            )
        if db_field.remote_field.model is Region:
            # A village is chosen as 乡镇 › 村, as the picker's search results name it.
            kwargs["queryset"] = kwargs["queryset"].select_related("parent")
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if field is not None and db_field.remote_field.model is Region:
            field.label_from_instance = region_label
        return field

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "queryset" not in kwargs:
            queryset = self.get_field_queryset(None, db_field, request)
            if queryset is None:
                queryset = db_field.remote_field.model._default_manager.all()
            kwargs["queryset"] = _scoped(queryset, request)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class MaskingHistoryHelper(HistoricalRecordContextHelper):
    """History diffs show ID and phone numbers masked to users without the permission."""

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def prepare_delta_change_value(self, change, value):
        from audit.history import readable_value

        # Choice labels, 是/否 and "—" instead of the stored green / True / None.
        return readable_value(self.model, change.field, self._masked_delta_value(change, value))

    def _masked_delta_value(self, change, value):
        value = super().prepare_delta_change_value(change, value)
        mask = SENSITIVE_FIELDS.get(change.field)
        if mask is None or sees_full_identity(self.user) or not value:
            return value
        if change.field == "birth_date":
            return str(value)[:4] if isinstance(value, (str, datetime.date)) else ""
        return mask(self.user, value) if isinstance(value, str) else ""


class ArchivedFilter(admin.SimpleListFilter):
    """Current rows by default; archived ones (exited, left, ended) only when asked for."""

    title = _("archived")
    parameter_name = "archived"

    def lookups(self, request, model_admin):
        return [("include", _("current and archived")), ("only", _("archived only"))]

    def choices(self, changelist):
        choices = super().choices(changelist)
        # The first choice is Django's "All", which here means the default: current rows only.
        yield {**next(choices), "display": _("current only")}
        yield from choices

    def queryset(self, request, queryset):
        archived = ARCHIVED[queryset.model._meta.label_lower]
        if self.value() == "include":
            return queryset
        if self.value() == "only":
            return queryset.filter(archived)
        return queryset.exclude(archived)


class RefusedAtSaveMixin:
    """A service's refusal that comes only at save (a month closed, the same visit stored, a
    file refused, since the form was checked) is a message on the form's page, not a 500."""

    def changeform_view(self, request, *args, **kwargs):
        try:
            return super().changeform_view(request, *args, **kwargs)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), level=messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


#: A changelist counts its rows up to this many; beyond, it says "超过 10000" (issue 16).
COUNT_CAP = 10_000


class CappedCount(int):
    """A row count that stopped at ``COUNT_CAP``: compares and paginates as ``COUNT_CAP + 1``,
    reads "超过 10000" where the page prints it."""

    def __str__(self):
        return gettext("more than %(count)s") % {"count": COUNT_CAP}


class CappedCountPaginator(Paginator):
    """Counts at most ``COUNT_CAP + 1`` rows (``SELECT COUNT(*) FROM (… LIMIT 10001)``), so the
    count of a province's 200,000 mothers reads 10,001 rows, not the whole scope (issue 16);
    a township's or county's list, under the cap, keeps its exact count. Pages past the cap
    open (empty past the last row) though the page links stop at the cap: a search or a filter
    finds a row there sooner."""

    @cached_property
    def count(self):
        rows = self.object_list
        if not hasattr(rows, "query"):
            return super().count
        counted = rows.order_by().values("pk")[: COUNT_CAP + 1].count()
        return CappedCount(counted) if counted > COUNT_CAP else counted

    def validate_number(self, number):
        if isinstance(self.count, CappedCount):
            try:
                number = int(number)
            except (TypeError, ValueError):
                raise PageNotAnInteger(gettext("That page number is not an integer")) from None
            if number < 1:
                raise EmptyPage(gettext("That page number is less than 1"))
            return number
        return super().validate_number(number)

    def page(self, number):
        if not isinstance(self.count, CappedCount):
            return super().page(number)
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        return self._get_page(self.object_list[bottom : bottom + self.per_page], number, self)


class ScopedAdmin(ScopedFormfieldsMixin, SimpleHistoryAdmin, ModelAdmin):
    list_per_page = 50
    show_full_result_count = False
    paginator = CappedCountPaginator

    def get_queryset(self, request):
        return super().get_queryset(request).for_user(request.user)

    # -- searching and filtering: no oracle for masked numbers ------------------------------
    @staticmethod
    def _field_name(path: str) -> str:
        return path.lstrip("^=@").split(LOOKUP_SEP)[-1]

    def get_search_fields(self, request):
        fields = super().get_search_fields(request)
        if sees_full_identity(request.user):
            return fields
        return [f for f in fields if self._field_name(f) not in IDENTITY_FIELDS]

    def _identity_matches(self, request, queryset, search_term):
        """Rows whose ID or phone number is exactly the complete number searched for.

        For masked roles these fields never match a part (``?q=1522`` recovered a guardian's
        phone digit by digit); a complete number finds its row, a partial one finds nothing.
        """
        paths = [f.lstrip("^=@") for f in super().get_search_fields(request) if self._field_name(f) in IDENTITY_FIELDS]
        if not paths:  # nothing here holds a number: nothing to count against the hourly limit
            return None
        number = identity_search_for(request.user, search_term)
        if identity_search_refused(request.user, search_term, number) and not getattr(request, "_limit_told", False):
            request._limit_told = True
            messages.warning(request, SEARCH_LIMITED)
        if not number:
            return None
        return queryset.filter(Q.create([(path, number) for path in paths], connector=Q.OR))

    def _log_access(self, request, kind, *, obj=None, detail=""):
        child = obj if self.model._meta.label_lower == "children.child" else getattr(obj, "child", None)
        match = request.resolver_match
        place = f"{match.url_name if match else ''}:{self.model._meta.label_lower}"
        access_logged.send(sender=type(self), user=request.user, kind=kind, place=place, detail=detail, child=child)

    def _search(self, request, queryset, search_term):
        """Django's search (words AND-ed, fields OR-ed), in conditions PostgreSQL answers from
        its indexes (core.search): a short word through the spaced index, a field through a
        foreign key as an array of the related ids, and a field across a many-valued relation
        (a visit's mothers, a pairing's members) as an EXISTS per row instead of a join: the
        join made every visit in scope meet every visitor row, then a DISTINCT or semi-join
        over the scope took the copies out again (6-7 s for a province, issue 16)."""
        fields = [str(f) for f in self.get_search_fields(request)]
        if not search_term or not fields or not all(_plain_path(self.model, f) for f in fields):
            return super().get_search_results(request, queryset, search_term)
        many = [f for f in fields if lookup_spawns_duplicates(self.opts, f)]
        if not all(_many_valued(self.opts.get_field(f.split(LOOKUP_SEP)[0])) for f in many):
            return super().get_search_results(request, queryset, search_term)
        plain = [f for f in fields if f not in many]
        terms = []
        for bit in smart_split(search_term):
            if bit.startswith(('"', "'")) and bit[0] == bit[-1]:
                bit = unescape_string_literal(bit)
            # With an EXISTS arm the OR is tested row by row: no arrays (core.search).
            arms = [word_condition(self.model, field, bit, indexed=not many) for field in plain]
            arms += [_exists_arm(self.model, field, bit) for field in many]
            arms = [arm for arm in arms if arm is not None]
            if not arms:  # a short word and only number fields to search: nothing matches
                return queryset.none(), False
            terms.append(Q.create(arms, connector=Q.OR))
        return queryset.filter(Q.create(terms)), False

    def get_search_results(self, request, queryset, search_term):
        # Changelist, autocomplete and the site search all come through here; one record each.
        if search_term and not getattr(request, "_search_logged", False):
            request._search_logged = True
            self._log_access(request, "search", detail=search_term)
        results, may_have_duplicates = self._search(request, queryset, search_term)
        if not sees_full_identity(request.user):
            exact = self._identity_matches(request, queryset, search_term)
            if exact is not None:
                results, may_have_duplicates = queryset.filter(pk__in=results.values("pk")) | exact, True
        if may_have_duplicates:
            # Searching across a many-to-many (a visit's mothers) makes Django add DISTINCT over
            # whole rows, which takes seconds on millions of visits; a primary-key semi-join
            # gives the same rows without it.
            results = queryset.filter(pk__in=results.values("pk"))
        return results, False

    def lookup_allowed(self, lookup, value, request=None):
        # Django allows any lookup on a local field in the URL: ?guardian_phone__startswith=13
        # or ?birth_date__lt=… would answer yes/no questions about a masked number.
        masked = not sees_full_identity(request.user if request else None)
        if masked and ORACLE_FIELDS & set(lookup.split(LOOKUP_SEP)):
            return False
        return super().lookup_allowed(lookup, value, request)

    # An id outside the user's scope is "not found", not a redirect naming what was asked for.
    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        raise Http404

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        # Opening a child's record is logged (who looked at which child, and when).
        if change and obj is not None and request.method == "GET" and self.model._meta.label_lower == "children.child":
            child_record_viewed.send(sender=type(self), user=request.user, child=obj)
        # Read-only fields naming an account link it only where this viewer may go (core.people).
        remember_request(context["adminform"].form, request)
        for inline in context.get("inline_admin_formsets", []):
            for form in inline.formset.forms:
                remember_request(form, request)
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    # -- deletion: nothing about a child is lost, only superusers delete ------------------
    def has_delete_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    # -- archived rows ------------------------------------------------------------------------
    def get_list_filter(self, request):
        filters = list(super().get_list_filter(request))
        if self.model._meta.label_lower in ARCHIVED:
            filters.insert(0, ArchivedFilter)
        return filters

    # -- masking ------------------------------------------------------------------------------
    #: Column or field → what a masked role sees instead (an admin adds its own, e.g. the age).
    masked_columns = {name: f"masked_{name}" for name in SENSITIVE_FIELDS}

    def _masked(self, name):
        return self.masked_columns.get(name, name)

    def get_list_display(self, request):
        fields = super().get_list_display(request)
        if sees_full_identity(request.user):
            return fields
        return [self._masked(f) if isinstance(f, str) else f for f in fields]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or sees_full_identity(request.user):
            return fieldsets

        seen = set()

        def swap(field):
            if isinstance(field, (list, tuple)):
                return tuple(f for f in (swap(f) for f in field) if f)
            # Without explicit fieldsets Django lists the masked read-only field as well; keep one.
            field = self._masked(field)
            if field in seen:
                return None
            seen.add(field)
            return field

        return [
            (name, {**opts, "fields": [f for f in (swap(f) for f in opts["fields"]) if f]}) for name, opts in fieldsets
        ]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and not sees_full_identity(request.user):
            model_fields = {f.name for f in self.model._meta.get_fields()}
            fields += [self._masked(name) for name in SENSITIVE_FIELDS if name in model_fields]
        return fields

    # No ordering on the masked columns: sorted by the hidden number (or birth date), a row's
    # place among thousands would date the birthday.
    @admin.display(description=_("ID number"))
    def masked_id_number(self, obj):
        return id_number_for(None, obj.id_number or "")

    @admin.display(description=_("phone"))
    def masked_phone(self, obj):
        return phone_for(None, obj.phone or "")

    @admin.display(description=_("guardian's phone"))
    def masked_guardian_phone(self, obj):
        return phone_for(None, obj.guardian_phone or "")

    @admin.display(description=_("birth year"))
    def masked_birth_date(self, obj):
        return mask_birth_date(obj.birth_date)

    # -- history (django-simple-history) ----------------------------------------------------
    def _has_history(self):
        return hasattr(self.model._meta, "simple_history_manager_attribute")

    def _scoped_object_or_404(self, request, object_id):
        obj = self.get_object(request, unquote(object_id))
        # simple-history would rebuild an object missing from the queryset out of its history
        # rows, which for a non-superuser means another township's record: not found instead.
        if obj is None and not request.user.is_superuser:
            raise Http404
        return obj

    def history_view(self, request, object_id, extra_context=None):
        obj = self._scoped_object_or_404(request, object_id)
        self._log_access(request, "history", obj=obj)
        if not self._has_history():
            return admin.ModelAdmin.history_view(self, request, object_id, extra_context)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if not self._has_history():
            raise Http404
        obj = self._scoped_object_or_404(request, object_id)
        self._log_access(request, "history", obj=obj, detail=f"version {version_id}")
        # The version page saves a posted form even with reverting disabled; history is read-only.
        if request.method == "POST":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

    def get_historical_record_context_helper(self, request, historical_record):
        return MaskingHistoryHelper(self.model, historical_record, user=request.user)

    # -- django-import-export hooks (used once an admin mixes import/export in) ---------------
    def has_export_permission(self, request):
        """Exports carry personal data: only users who may change the rows may export them.

        County admins change every register; township staff only visits and activities;
        viewers nothing — which is the issue's export rule, expressed through permissions.
        """
        return self.has_view_permission(request) and self.has_change_permission(request)

    def has_import_permission(self, request):
        return self.has_add_permission(request) and self.has_change_permission(request)


class LargeTableAdmin(ScopedAdmin):
    """For tables that grow to millions of rows (visits): pages without a COUNT of all rows."""

    paginator = InfinitePaginator
    show_full_result_count = False


class ScopedInline(ScopedFormfieldsMixin, TabularInline):
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).for_user(request.user)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser


class ReadOnlyInline(TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ReadOnlyScopedAdmin(ScopedAdmin):
    """Logs: visible to those with the view permission, within their region, never edited."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_export_permission(self, request):
        return False

    def has_import_permission(self, request):
        return False


class LookupAdmin(ModelAdmin):
    list_display = ["name", "sort_order", "is_active"]
    list_editable = ["sort_order", "is_active"]
    search_fields = ["name"]
    list_filter = ["is_active"]


def _autocomplete_form(request, model_admin, *, name, title, field, queryset, value, known=None):
    """unfold's autocomplete filter box, its choices (and the chosen one's label) from
    ``queryset`` — the scoped rows — and labelled by the filter's own (translated) title."""
    from unfold.contrib.filters.forms import AutocompleteDropdownForm

    form = AutocompleteDropdownForm(
        request=request,
        label=title,
        name=name,
        choices=(),
        field=field,
        model_admin=model_admin,
        data={name: value},
    )
    form.fields[name].queryset = queryset
    _render_choice_once(form.fields[name].widget, known)
    if known is not None:
        # The bound form is cleaned when its errors are printed: the chosen row, not a query.
        to_python = form.fields[name].to_python
        form.fields[name].to_python = lambda v: known if str(v) == str(known.pk) else to_python(v)
    return form


def _render_choice_once(widget, known=None):
    """The box's chosen option is looked up once per page (unfold renders the filter form twice,
    and each render queried it), or not at all when the filter has the chosen row already
    (``known``): the township filter with a township chosen was 13-16 queries (issue 16)."""
    original, memo = widget.optgroups, {}

    def optgroups(name, value, attr=None):
        key = (name, tuple(str(v) for v in value))
        if key not in memo:
            chosen = [v for v in key[1] if v not in ("", "None")]
            if known is not None and chosen == [str(known.pk)]:
                default = (None, [], 0)
                if not widget.is_required:
                    default[1].append(widget.create_option(name, "", "", False, 0))
                label = widget.choices.field.label_from_instance(known)
                default[1].append(widget.create_option(name, known.pk, label, set(chosen), len(default[1])))
                memo[key] = [default]
            else:
                memo[key] = original(name, value, attr)
        return memo[key]

    widget.optgroups = optgroups


class ScopedAutocompleteFilter(admin.RelatedFieldListFilter):
    """A foreign-key filter typed into instead of listed (a province has 1,404 teams, issue 16).

    Options come from the related admin's autocomplete (its ``get_queryset``, scoped by
    ``for_user``, and ``search_fields``); nothing is listed on the page, so no query runs for
    the choices."""

    template = "unfold/filters/filters_field.html"

    def __init__(self, field, request, params, model, model_admin, field_path):
        self.request, self.model_admin = request, model_admin
        super().__init__(field, request, params, model, model_admin, field_path)

    def field_choices(self, field, request, model_admin):
        return []

    def has_output(self):
        return True

    def queryset(self, request, queryset):
        if self.lookup_val in (None, [], [""]):
            return queryset
        return super().queryset(request, queryset)

    def choices(self, changelist):
        remote = self.field.remote_field.model
        value = self.lookup_val[-1] if isinstance(self.lookup_val, list) and self.lookup_val else self.lookup_val
        yield {
            "form": _autocomplete_form(
                self.request,
                self.model_admin,
                name=self.lookup_kwarg,
                title=self.title,
                field=self.field,
                queryset=_scoped(remote._default_manager.all(), self.request),
                value=value or "",
            )
        }


class TownshipFilter(admin.SimpleListFilter):
    """Filter by township within the user's own scope (never lists other regions).

    Typed into, not listed: a province has 1,287 townships, and listing them made every page of
    every register 954 KB (issue 16). The box asks Django's autocomplete for townships through
    a township-only foreign key (``Volunteer.region``), so RegionAdmin's scoped queryset and
    search answer it. The parameter is a township's code, as the dashboard links give it, or
    the id the box sends."""

    title = _("township")
    parameter_name = "township"
    template = "unfold/filters/filters_field.html"
    #: Path from the filtered model to its region.
    region_path = "region"

    def __init__(self, request, params, model, model_admin):
        self.request, self.model_admin = request, model_admin
        super().__init__(request, params, model, model_admin)

    def lookups(self, request, model_admin):
        return ()

    def has_output(self):
        return True

    def _townships(self, request):
        return Region.objects.for_user(request.user).filter(level=Level.TOWNSHIP)

    def _chosen(self, request):
        value = self.value()
        if not value:
            return None
        if not hasattr(self, "_chosen_region"):
            by_code = Region.objects.for_user(request.user).filter(code=value)
            if value.isascii() and value.isdigit() and len(value) < 12:  # the box sends an id; a code has 12 digits
                by_code = self._townships(request).filter(pk=int(value))
            self._chosen_region = by_code.first()
        return self._chosen_region

    def choices(self, changelist):
        from volunteers.models import Volunteer

        chosen = self._chosen(self.request)
        yield {
            "form": _autocomplete_form(
                self.request,
                self.model_admin,
                name=self.parameter_name,
                title=self.title,
                field=Volunteer._meta.get_field("region"),
                queryset=self._townships(self.request),
                value=chosen.pk if chosen is not None else "",
                known=chosen,
            )
        }

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        township = self._chosen(request)
        if township is None:
            return queryset.none()
        return queryset.in_region(township)
