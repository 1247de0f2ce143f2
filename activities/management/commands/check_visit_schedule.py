"""check_visit_schedule [--fix]: children whose stored last visit differs from their visits."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from activities.schedule import schedule_drift, schedule_refresh_all

#: Children listed by id in the report; the count covers them all.
SHOWN = 20


class Command(BaseCommand):
    help = _(
        "Compare each child's stored last visit date (the overdue list reads it) with its visits; "
        "exit 1 when any differ. --fix sets them from the visits."
    )

    def add_arguments(self, parser):
        parser.add_argument("--fix", action="store_true", help=_("set the differing dates from the visits"))

    def handle(self, *args, fix=False, **options):
        count, rows = schedule_drift(limit=SHOWN)
        if not count:
            self.stdout.write(_("Visit schedule: every child's stored last visit matches its visits."))
            return
        for pk, stored, recomputed in rows:
            self.stdout.write(
                _("child %(id)s: stored %(stored)s, from the visits %(recomputed)s")
                % {"id": pk, "stored": stored or "—", "recomputed": recomputed or "—"}
            )
        if count > len(rows):
            self.stdout.write(_("… and %(n)d more") % {"n": count - len(rows)})
        if fix:
            changed = schedule_refresh_all()
            self.stdout.write(_("Fixed: %(n)d children's last visit set from their visits.") % {"n": changed})
            return
        raise CommandError(_("%(n)d children's stored last visit differs from their visits.") % {"n": count})
