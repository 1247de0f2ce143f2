from django.core.management.base import CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from core.commands import ChineseCommand
from notify.digest import digest_for
from notify.services import preference_for, retry_due
from notify.weekly import digest_send, is_due, sent_this_week, staff_accounts
from regions.labels import region_label
from regions.models import Region


class Command(ChineseCommand):
    help = (
        "Send the weekly digest to the accounts whose day and hour it is (once a week each), "
        "then retry failed deliveries. --dry-run prints what each account would get and writes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="print, send and write nothing")
        parser.add_argument("--region", help="only accounts of this region (12-digit code) and below")
        parser.add_argument("--now", action="store_true", help="send now, whatever each account's day and hour")

    def handle(self, *args, dry_run, region, now, **options):
        place = None
        if region:
            place = Region.objects.filter(code=region.strip()).first()
            if place is None:
                raise CommandError(_("No region with code %(code)s; load the regions first.") % {"code": region})
        moment = timezone.now()
        sent = 0
        for user in staff_accounts(place):
            due, done = now or is_due(user, moment), sent_this_week(user, moment)
            if not dry_run and (not due or done):
                continue
            sections = digest_for(user)
            if dry_run:
                self._print(user, sections, due=due, done=done)
            elif digest_send(user=user, now=moment, sections=sections) is not None:
                sent += 1
        if dry_run:
            self.stdout.write(_("Dry run: nothing was sent or written."))
            return
        retried = retry_due()
        self.stdout.write(
            _("Weekly digest sent to %(sent)d account(s); %(retried)d delivery(ies) sent on retry.")
            % {"sent": sent, "retried": retried}
        )

    @staticmethod
    def _place(user) -> str:
        profile = getattr(user, "staff_profile", None)
        if profile is not None:
            return region_label(profile.region)
        return _("caring mother %(name)s") % {"name": user.mother_account.volunteer.name}

    def _print(self, user, sections, *, due, done):
        preference = preference_for(user)
        when = _("%(weekday)s %(hour)02d:00") % {
            "weekday": preference.get_digest_weekday_display(),
            "hour": preference.digest_hour,
        }
        state = _("already sent this week") if done else (_("due now") if due else _("not due now"))
        self.stdout.write(
            f"{user.get_username()}（{self._place(user)}）："
            + _("every %(when)s, %(state)s") % {"when": when, "state": state}
        )
        for title, count, lines in sections:
            self.stdout.write(f"  {title}：{count}")
            for line in lines:
                self.stdout.write(f"    · {line}")
