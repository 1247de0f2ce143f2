"""Rows of every casework model for a township of the shared ``world`` fixture."""

import datetime

from casework import services
from casework.models import ActorKind, Department


def casework_rows(w, town) -> dict:
    """A need (acted on by the mother), its visit, a referral and a 督办, through the services."""
    need = services.need_add(
        child=w["child"],
        kind="study",
        description=f"{w['child'].name}需要课业辅导",
        actor_kind=ActorKind.MOTHER,
        volunteer=w["mother"],
        found_on=datetime.date(2025, 3, 1),
    )
    (link,) = services.visit_tick_needs(visit=w["visit"], needs=[need])
    referral = services.referral_create(
        need=need,
        department=Department.objects.get(name="教育"),
        referred_on=datetime.date(2025, 3, 2),
        request="协调学校安排课后辅导",
        due_on=datetime.date(2025, 3, 30),
    )
    supervision = services.supervision_create(
        question=f"请报告{w['child'].name}的帮扶进展", reply_by=datetime.date(2025, 4, 1), need=need
    )
    return {
        "casework.need": need,
        "casework.needvisit": link,
        "casework.referral": referral,
        "casework.supervision": supervision,
    }
