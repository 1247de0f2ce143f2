import datetime

import factory

from activities.models import Activity, ActivityType, Visit, VisitMode


class VisitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Visit

    visited_on = datetime.date(2025, 1, 10)
    mode = factory.LazyFunction(lambda: VisitMode.objects.get(name="入户走访"))
    findings = "了解学习生活情况"


class ActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Activity

    title = factory.Sequence(lambda n: f"关爱活动{n}")
    activity_type = factory.LazyFunction(lambda: ActivityType.objects.get(name="亲子阅读"))
    held_on = datetime.date(2025, 1, 15)
    person_times = 20
