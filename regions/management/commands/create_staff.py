import secrets

from django.contrib.auth.models import Group, User
from django.core.management.base import CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from core.commands import ChineseCommand
from regions.models import Region, StaffProfile
from regions.roles import ROLES


class Command(ChineseCommand):
    help = "Create a staff account with an assigned region and role; prints a one-time password."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--region", required=True, help="12-digit region code")
        parser.add_argument("--role", required=True, choices=sorted(ROLES))

    @transaction.atomic
    def handle(self, *args, username, region, role, **options):
        username = username.strip()
        if not username:
            raise CommandError(_("The username is empty."))
        if User.objects.filter(username=username).exists():
            raise CommandError(_("The account %(username)s already exists.") % {"username": username})
        place = Region.objects.filter(code=region.strip()).first()
        if place is None:
            raise CommandError(_("No region with code %(code)s; load the regions first.") % {"code": region})
        group = Group.objects.filter(name=role).first()
        if group is None:
            raise CommandError(_("The role %(role)s does not exist; run migrate first.") % {"role": role})
        password = secrets.token_urlsafe(12)
        user = User.objects.create_user(username=username, password=password, is_staff=True)
        user.groups.add(group)
        StaffProfile.objects.create(user=user, region=place, must_change_password=True)
        self.stdout.write(
            _("Created %(username)s (%(role)s, %(region)s).") % {"username": username, "role": role, "region": place}
        )
        self.stdout.write(
            _("One-time password (shown once; it must be changed at first login): %(password)s")
            % {"password": password}
        )
