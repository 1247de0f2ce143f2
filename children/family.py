"""Family and guardianship (一人一档, 《农村留守儿童基本情况登记表》): the choices, and the
rules across fields that are warnings, not errors.

The fields themselves are on ``Child`` (grouped there under 家庭与监护, 健康与就学, 户籍与救助): one
row per child keeps them in the child's own history (simple-history), in its region scope, and
in one query for the ledgers. Aid and income sources are JSON lists of the choices below rather
than a lookup M2M: the lists are fixed by policy, not edited by users; a list column is recorded
in the same history row as the rest of the file (an M2M needs its own history tables) and is read
by the ledger's single query on SQLite and PostgreSQL alike.
"""

import re

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class ParentStatus(models.TextChoices):
    MIGRANT = "migrant", _("working away from home")
    HOME = "home", _("at home")
    DIVORCED = "divorced", _("divorced, not with the child")
    DEAD = "dead", _("dead")
    MISSING = "missing", _("missing or out of contact")
    IMPRISONED = "imprisoned", _("serving a sentence or detained")
    REHAB = "rehab", _("in compulsory drug rehabilitation")
    DISABLED = "disabled", _("severely disabled")
    ILL = "ill", _("seriously ill")
    OTHER = "other", _("other")


class GuardianshipType(models.TextChoices):
    NONE = "none", _("no one looks after the child")
    PARENT_UNABLE = "parent_unable", _("father or mother unable to look after the child")
    CARER_WEAK = "carer_weak", _("the entrusted carer is not fully able")
    FAIR = "fair", _("guardianship is fair")
    GOOD = "good", _("guardianship is good")


class GuardianshipRating(models.TextChoices):
    GOOD = "good", _("good")
    FAIR = "fair", _("fair")
    POOR = "poor", _("poor")


class HealthStatus(models.TextChoices):
    HEALTHY = "healthy", _("healthy")
    DISABLED = "disabled", _("disabled")
    ILL = "ill", _("ill")


class DisabilityCategory(models.TextChoices):
    SIGHT = "sight", _("visual")
    HEARING = "hearing", _("hearing")
    SPEECH = "speech", _("speech")
    PHYSICAL = "physical", _("physical")
    INTELLECTUAL = "intellectual", _("intellectual")
    MENTAL = "mental", _("mental")
    MULTIPLE = "multiple", _("multiple")


class DisabilityGrade(models.TextChoices):
    ONE = "1", _("grade 1")
    TWO = "2", _("grade 2")
    THREE = "3", _("grade 3")
    FOUR = "4", _("grade 4")


class SchoolStage(models.TextChoices):
    NOT_YET = "not_yet", _("not yet in kindergarten")
    KINDERGARTEN = "kindergarten", _("kindergarten")
    PRIMARY = "primary", _("primary school")
    JUNIOR = "junior", _("junior secondary school")
    SENIOR = "senior", _("senior secondary school")
    VOCATIONAL = "vocational", _("secondary vocational school")
    DROPPED_OUT = "dropped_out", _("dropped out")
    NOT_IN_SCHOOL = "not_in_school", _("not in school")


class HukouType(models.TextChoices):
    AGRICULTURAL = "agricultural", _("agricultural")
    NON_AGRICULTURAL = "non_agricultural", _("non-agricultural")


class Aid(models.TextChoices):
    DIBAO = "dibao", _("minimum living allowance")
    TEKUN = "tekun", _("support for the extremely poor")
    TEMPORARY = "temporary", _("temporary assistance")
    MEDICAL = "medical", _("medical assistance")
    ALLOWANCE = "allowance", _("basic living allowance for orphans and children without de facto carers")
    OTHER = "other", _("other")


class IncomeSource(models.TextChoices):
    WAGES = "wages", _("wages from work away from home")
    FARMING = "farming", _("farming")
    BUSINESS = "business", _("own business")
    LOCAL_WORK = "local_work", _("local work")
    BENEFITS = "benefits", _("government benefits")
    RELATIVES = "relatives", _("help from relatives")
    OTHER = "other", _("other")


class ChoiceList:
    """Validator of a JSON list: a list of distinct values of ``choices``."""

    def __init__(self, choices):
        self.choices = choices

    def __call__(self, value):
        if not isinstance(value, list) or any(v not in self.choices.values for v in value):
            raise ValidationError(
                gettext("choose from: %(allowed)s")
                % {"allowed": "、".join(str(label) for label in self.choices.labels)},
                code="invalid_choice",
            )
        if len(set(value)) != len(value):
            raise ValidationError(gettext("a value is listed twice"), code="duplicate")


def validate_aid_list(value):
    ChoiceList(Aid)(value)


def validate_income_list(value):
    ChoiceList(IncomeSource)(value)


def labels_of(choices, values) -> str:
    """A JSON list of choice values as the ledger writes it: 低保、医疗救助."""
    names = dict(choices.choices)
    return "、".join(str(names.get(v, v)) for v in values or [])


# -- 事实无人抚养儿童 (民发〔2019〕62号) ------------------------------------------------------------

#: The parent cannot bring the child up: 重残、重病、服刑在押、强制隔离戒毒、失联.
UNABLE = {ParentStatus.DISABLED, ParentStatus.ILL, ParentStatus.IMPRISONED, ParentStatus.REHAB, ParentStatus.MISSING}
DE_FACTO_CATEGORY = "事实无人抚养"


def parents_qualify_de_facto(father: str, mother: str) -> bool:
    """Whether the parents' statuses make a child 事实无人抚养: both parents unable (``UNABLE``),
    or one dead and the other unable. Both dead is an orphan (孤儿), not this category."""
    if not father or not mother:
        return False
    both = {father, mother}
    if ParentStatus.DEAD in both and father == mother:
        return False
    return all(s in UNABLE or s == ParentStatus.DEAD for s in (father, mother))


def family_warnings(child) -> list[str]:
    """Chinese warnings on the file (shown on the admin form and the profile, never a block)."""
    category = getattr(child.category, "name", "") if child.category_id else ""
    in_category = DE_FACTO_CATEGORY in category
    qualifies = parents_qualify_de_facto(child.father_status, child.mother_status)
    if in_category and not qualifies:
        return [
            gettext(
                "The category is 事实无人抚养儿童, but the parents' statuses do not match it: both parents must be "
                "severely disabled, seriously ill, imprisoned, in compulsory rehabilitation or missing, or one of "
                "them dead and the other so. Check the parents' statuses or the category."
            )
        ]
    if qualifies and not in_category:
        return [
            gettext(
                "The parents' statuses match 事实无人抚养儿童, but the child's category is %(category)s. "
                "Check the category."
            )
            % {"category": category or "—"}
        ]
    return []


# -- 务工地点 --------------------------------------------------------------------------------------

_PROVINCE = re.compile(r"^((?:北京|天津|上海|重庆)市|.+?(?:省|自治区|特别行政区))(.*)$")


def split_place(value: str) -> tuple[str, str]:
    """``广东省深圳市`` or ``广东 深圳`` → (province, city)."""
    value = (value or "").strip()
    parts = [p for p in re.split(r"[\s、,，/\-—]+", value) if p]
    if len(parts) >= 2:
        return parts[0], "".join(parts[1:])
    match = _PROVINCE.match(value)
    if match:
        return match.group(1), match.group(2).strip()
    return value, ""


def join_place(province: str, city: str) -> str:
    return f"{province}{city}" if province and city and province != city else province or city


def profile_family(user, child) -> dict:
    """The profile's 家庭与监护 section: the numbers as ``user`` may see them (core.masking: ID
    numbers masked for every role without the full-identity permission; the family's phones as
    the guardian's phone, full for township staff on this one child's page)."""
    from core.masking import guardian_phone_for, id_number_for

    def parent(prefix):
        status = getattr(child, f"{prefix}_status")
        return {
            "name": getattr(child, f"{prefix}_name"),
            "id_number": id_number_for(user, getattr(child, f"{prefix}_id_number")),
            "status": getattr(child, f"get_{prefix}_status_display")() if status else "",
            "place": join_place(getattr(child, f"{prefix}_work_province"), getattr(child, f"{prefix}_work_city")),
            "phone": guardian_phone_for(user, getattr(child, f"{prefix}_phone")),
        }

    return {
        "father": parent("father"),
        "mother": parent("mother"),
        "guardian_id_number": id_number_for(user, child.guardian_id_number),
        "income_sources": labels_of(IncomeSource, child.income_sources),
        "aid_received": labels_of(Aid, child.aid_received),
        "warnings": family_warnings(child),
    }
