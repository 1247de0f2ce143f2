import datetime

import factory

from activities.models import Activity, ActivityType, Visit, VisitMode
from activities.schedule import schedule_refresh


class VisitFactory(factory.django.DjangoModelFactory):
    """A visit stored directly (no checks); the child's stored last visit is kept, as the visit
    service keeps it."""

    class Meta:
        model = Visit

    visited_on = datetime.date(2025, 1, 10)
    mode = factory.LazyFunction(lambda: VisitMode.objects.get(name="入户走访"))
    findings = "了解学习生活情况"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        visit = super()._create(model_class, *args, **kwargs)
        schedule_refresh(child_ids=[visit.child_id])
        return visit


class ActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Activity

    title = factory.Sequence(lambda n: f"关爱活动{n}")
    activity_type = factory.LazyFunction(lambda: ActivityType.objects.get(name="亲子阅读"))
    held_on = datetime.date(2025, 1, 15)
    person_times = 20
