"""Arguments the month commands share: --month, --region, --user."""

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from regions.models import Region
from reports.indicators import parse_month


def month_region_user(month: str, region: str, user: str):
    try:
        first = parse_month(month)
    except ValueError as error:
        raise CommandError(str(error)) from error
    place = Region.objects.filter(code=region.strip()).first()
    if place is None:
        raise CommandError(_("Unknown region code: %(code)s") % {"code": region})
    account = get_user_model().objects.filter(username=user, is_active=True).first()
    if account is None:
        raise CommandError(_("Unknown user: %(name)s") % {"name": user})
    return first, place, account
