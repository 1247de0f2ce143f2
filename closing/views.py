"""The dashboard's month buttons: 上报 (township), 审核锁定 / 退回 / 重新打开 (county)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from regions.models import Region
from reports.indicators import parse_month

from . import services

ACTIONS = {
    "submit": (
        lambda region, month, by, reason: services.month_submit(region=region, month=month, by=by),
        _("Submitted."),
    ),
    "close": (lambda region, month, by, reason: services.month_close(region=region, month=month, by=by), _("Closed.")),
    "return": (
        lambda region, month, by, reason: services.month_return(region=region, month=month, by=by, reason=reason),
        _("Returned to the township."),
    ),
    "reopen": (
        lambda region, month, by, reason: services.month_reopen(region=region, month=month, by=by, reason=reason),
        _("Reopened."),
    ),
}


def month_action(request, action):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if action not in ACTIONS:
        raise Http404
    run, done = ACTIONS[action]
    region = Region.objects.for_user(request.user).filter(code=request.POST.get("region", "")).first()
    if region is None:
        raise Http404
    target = reverse("admin:index")
    try:
        month = parse_month(request.POST.get("month", ""))
    except ValueError as error:
        messages.error(request, str(error))
        return redirect(target)
    target = f"{target}?month={month:%Y-%m}"
    try:
        run(region, month, request.user, request.POST.get("reason", ""))
    except PermissionDenied as error:
        messages.error(request, str(error) or _("You may not do this."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"{region.name} {month:%Y-%m}：{done}")
    return redirect(target)
