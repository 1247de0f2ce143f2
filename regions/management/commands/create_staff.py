from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from core.commands import ChineseCommand
from regions.accounts import staff_create
from regions.models import Region
from regions.roles import ROLES


class Command(ChineseCommand):
    help = (
        "Create a staff account with an assigned region and role, or (--role mother --volunteer PHONE) "
        "a caring mother's own account; prints a one-time password."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--region", help="12-digit region code (not for --role mother)")
        parser.add_argument("--role", required=True, choices=sorted(ROLES))
        parser.add_argument("--name", default="", help="the person's name (姓名)")
        parser.add_argument("--volunteer", help="with --role mother: the caring mother's phone number")

    def handle(self, *args, username, region, role, name, volunteer, **options):
        if not username.strip():
            raise CommandError(_("The username is empty."))
        if role == "mother":
            return self._mother(username, volunteer)
        if not region:
            raise CommandError(_("A staff account needs --region."))
        place = Region.objects.filter(code=region.strip()).first()
        if place is None:
            raise CommandError(_("No region with code %(code)s; load the regions first.") % {"code": region})
        try:
            user, password = staff_create(username=username, region=place, role=role, name=name, by=None)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(
            _("Created %(username)s (%(role)s, %(region)s).")
            % {"username": user.username, "role": role, "region": place}
        )
        self.stdout.write(
            _("One-time password (shown once; it must be changed at first login): %(password)s")
            % {"password": password}
        )

    def _mother(self, username, phone):
        from volunteers.models import Volunteer
        from volunteers.services import mother_account_grant

        volunteer = Volunteer.objects.filter(phone=(phone or "").strip()).first() if phone else None
        if volunteer is None:
            raise CommandError(_("No caring mother with this phone number; give --volunteer PHONE."))
        try:
            user, password = mother_account_grant(volunteer=volunteer, username=username, by=None)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(
            _("Created %(username)s (caring mother %(name)s).") % {"username": user.username, "name": volunteer.name}
        )
        self.stdout.write(
            _("One-time password (shown once; it must be changed at first login): %(password)s")
            % {"password": password}
        )
