from django.db import migrations

from assessments.roles import grant_roles

#: (group, text, weight): two items a group, 22 points in all; yellow from 3, red from 6.
CHECKLIST = [
    ("guardianship", "父母均外出务工，或一方外出、另一方无监护能力", 2),
    ("guardianship", "实际无人照料，或委托照护人无力监护", 3),
    ("economy", "家庭人均收入低于当地低保标准", 2),
    ("economy", "家庭近一年遭遇重大变故（重病、灾害、债务等）", 1),
    ("health", "患有重大疾病或残疾", 2),
    ("health", "营养不良或个人卫生状况差", 1),
    ("schooling", "辍学、长期缺课或有辍学倾向", 2),
    ("schooling", "学习困难，成绩明显下滑", 1),
    ("psychology", "情绪低落、孤僻，或流露自伤念头", 3),
    ("psychology", "有不良行为，或与同伴冲突频繁", 1),
    ("safety", "有遭受侵害、虐待或欺凌的迹象", 3),
    ("safety", "居住环境有安全隐患（危房、临水、用电用火等）", 1),
]


def seed(apps, schema_editor):
    Item = apps.get_model("assessments", "AssessmentItem")
    Thresholds = apps.get_model("assessments", "AssessmentThresholds")
    if not Item.objects.exists():
        Item.objects.bulk_create(
            Item(group=group, text=text, weight=weight, order=(i + 1) * 10)
            for i, (group, text, weight) in enumerate(CHECKLIST)
        )
    Thresholds.objects.get_or_create(pk=1, defaults={"yellow_from": 3, "red_from": 6})


class Migration(migrations.Migration):
    """A default checklist of 12 items and thresholds; the roles' permissions on assessments."""

    dependencies = [
        ("assessments", "0001_add_assessments"),
        ("regions", "0006_staff_accounts_manage_permission"),
        ("closing", "0002_grant_month_roles"),
    ]
    operations = [
        migrations.RunPython(seed, migrations.RunPython.noop),
        migrations.RunPython(grant_roles, migrations.RunPython.noop),
    ]
