from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import translation


class ChineseCommand(BaseCommand):
    """A management command that speaks the site's language (Chinese) to the operator."""

    def execute(self, *args, **options):
        with translation.override(settings.LANGUAGE_CODE):
            return super().execute(*args, **options)
