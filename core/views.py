"""The admin's "view on site" link (``/admin/r/<content type>/<id>/``), scoped.

Django's own shortcut looks the object up through the default manager and redirects for any
id in the database, which confirmed that a child exists anywhere in the province and named
its profile URL. Here the lookup goes through ``for_user`` like every other read.
"""

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect


def view_on_site(request, content_type_id, object_id):
    try:
        model = ContentType.objects.get_for_id(content_type_id).model_class()
    except ContentType.DoesNotExist:
        raise Http404 from None
    if model is None or not hasattr(model, "get_absolute_url"):
        raise Http404
    rows = model._default_manager.all()
    if hasattr(rows, "for_user"):
        rows = rows.for_user(request.user)
    elif not request.user.has_perm(f"{model._meta.app_label}.view_{model._meta.model_name}"):
        raise Http404
    try:
        obj = rows.get(pk=object_id)
    except (model.DoesNotExist, ValidationError, ValueError, TypeError):
        raise Http404 from None
    return redirect(obj.get_absolute_url())
