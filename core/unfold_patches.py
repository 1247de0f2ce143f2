"""Performance fixes for django-unfold 0.91, applied at start-up (``CoreConfig.ready``).

Every changelist renders 50 rows; whatever unfold does per cell is done hundreds of times per
page. Measured (issue 16) on a 50-row children list, these were most of the page's CPU:

* ``items_for_result`` rebuilt every column header for every row (to label cells on small
  screens): 450 headers per page, each with field inspection and three query strings. Upstream
  fixed it after 0.91 (unfoldadmin/django-unfold#2172); until a release carries it, headers are
  built once per changelist and reused, their (lazy) titles translated once rather than per cell.
* ``display_for_label`` (a ``@display(label=…)`` column: card colour, consent, status badges)
  renders two templates per cell, 100 template renders per page for two such columns, although
  a column shows a handful of distinct badges. The rendered badge is kept per (text, colour),
  so a page renders each distinct badge once.
* The action checkbox of every row went through the form widget's template machinery (three
  templates per row). It is the same ``<input>`` for every row but its value: rendered once per
  language and filled in with the (escaped) primary key.
* ``change_list_results.html`` asks ``cl.model_admin.list_sections`` twice per row; no admin
  here defines it, and each failed attribute lookup made the template engine call ``dir()`` on
  the ModelAdmin (hundreds of names). unfold's default (no sections) is now a real attribute.

Each patch is harmless once unfold does the same itself; each is checked by
core/tests/test_changelist_rendering.py.
"""

from django.utils.functional import Promise
from django.utils.html import format_html
from django.utils.safestring import SafeData, SafeString
from django.utils.translation import get_language
from unfold import admin as unfold_admin
from unfold import utils as unfold_utils
from unfold.templatetags import unfold_list

_CACHE_ATTR = "_unfold_result_headers"

#: Rendered badges by (text, escaped?, colour, multiple); bounded, cleared when full.
_LABELS: dict = {}
_LABELS_MAX = 4096
#: The action checkbox per language, split around its value.
_CHECKBOXES: dict = {}
_PK_MARK = "__unfold_patches_pk__"


def install():
    _cache_result_headers()
    _cache_labels()
    _string_checkbox()
    unfold_admin.ModelAdmin.list_sections = getattr(unfold_admin.ModelAdmin, "list_sections", [])


def _cache_result_headers():
    original = unfold_list.result_headers
    if getattr(original, "cached_per_changelist", False):
        return

    def result_headers(cl):
        headers = cl.__dict__.get(_CACHE_ATTR)
        if headers is None:
            headers = cl.__dict__[_CACHE_ATTR] = list(original(cl))
            for header in headers:
                # Every cell repeats its column's title (data-label): translate it once, not per cell.
                if isinstance(header.get("text"), Promise):
                    header["text"] = str(header["text"])
        return iter(headers)

    result_headers.cached_per_changelist = True
    unfold_list.result_headers = result_headers


def _label_key(value):
    """A hashable stand-in for ``value`` that renders the same, or None (then not cached)."""
    if value is None or isinstance(value, bool | int):
        return (type(value), value)
    if isinstance(value, str | Promise):
        text = str(value)
        return (str, text, isinstance(text, SafeData))
    if isinstance(value, list | tuple):
        keys = tuple(_label_key(item) for item in value)
        return None if None in keys else (type(value), keys)
    return None


def _cache_labels():
    original = unfold_utils.display_for_label
    if getattr(original, "cached_render", False):
        return

    def display_for_label(value, empty_value_display, label):
        # What unfold's display_for_label computes before rendering (unfold/utils.py).
        label_type, shown = None, value
        if isinstance(label, dict):
            if isinstance(value, tuple):
                try:
                    label_type, shown = label[value[0]], value[1]
                except KeyError:
                    shown = value[0]
            else:
                try:
                    label_type = label.get(value)
                except TypeError:  # an unhashable value: never in the dict
                    label_type = None
        key = _label_key(shown)
        try:
            hash(label_type)
        except TypeError:
            key = None
        if key is None:
            return original(value, empty_value_display, label)
        key = (key, label_type)
        html = _LABELS.get(key)
        if html is None:
            if len(_LABELS) >= _LABELS_MAX:
                _LABELS.clear()
            html = _LABELS[key] = original(value, empty_value_display, label)
        return html

    display_for_label.cached_render = True
    display_for_label.__wrapped__ = original
    unfold_utils.display_for_label = display_for_label
    unfold_list.display_for_label = display_for_label


def _string_checkbox():
    original = unfold_admin.ModelAdmin.action_checkbox
    if getattr(original, "string_render", False):
        return

    def action_checkbox(self, obj):
        language = get_language()
        parts = _CHECKBOXES.get(language)
        if parts is None:
            html = unfold_admin.checkbox.render(unfold_admin.helpers.ACTION_CHECKBOX_NAME, _PK_MARK)
            before, mark, after = html.partition(_PK_MARK)
            # Halves of the widget's own (escaped) output.
            parts = _CHECKBOXES[language] = (SafeString(before), SafeString(after)) if mark else None
        if parts is None:  # the widget did not show the value verbatim: render it as unfold does
            return original(self, obj)
        return format_html("{}{}{}", parts[0], str(obj.pk), parts[1])

    action_checkbox.__dict__.update(original.__dict__)
    action_checkbox.__name__ = original.__name__
    action_checkbox.__doc__ = original.__doc__
    action_checkbox.string_render = True
    action_checkbox.__wrapped__ = original
    unfold_admin.ModelAdmin.action_checkbox = action_checkbox
