"""Third-party apps under the names a person reads in the admin's sidebar (theirs are English,
and not translatable: "Axes", "Tasks Database Backend")."""

from axes.apps import AppConfig as AxesAppConfig
from django.utils.translation import gettext_lazy as _
from django_tasks_db.apps import TasksAppConfig


class AxesConfig(AxesAppConfig):
    verbose_name = _("Login lockouts")


class TasksDatabaseConfig(TasksAppConfig):
    verbose_name = _("Background task queue")
