from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MothersConfig(AppConfig):
    name = "mothers"
    verbose_name = _("Caring mothers' own pages")
