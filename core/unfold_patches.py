"""A performance fix for django-unfold 0.91, applied at start-up (``CoreConfig.ready``).

unfold's ``items_for_result`` rebuilds every column header for every row of a changelist (to
label cells on small screens): a 50-row page of 9 columns builds 450 headers, each with field
inspection and three query strings — a third of a changelist's time at province scale.
Upstream fixed it after 0.91 (unfoldadmin/django-unfold#2172, "remove extra headers for
changelist rows"); until a release carries it, headers are built once per changelist and reused.
Harmless once unfold builds them once itself.
"""

from unfold.templatetags import unfold_list

_CACHE_ATTR = "_unfold_result_headers"


def install():
    original = unfold_list.result_headers
    if getattr(original, "cached_per_changelist", False):
        return

    def result_headers(cl):
        headers = cl.__dict__.get(_CACHE_ATTR)
        if headers is None:
            headers = cl.__dict__[_CACHE_ATTR] = list(original(cl))
        return iter(headers)

    result_headers.cached_per_changelist = True
    unfold_list.result_headers = result_headers
