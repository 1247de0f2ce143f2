from django.db import migrations

from core.seeding import seeder

TABLES = {
    "Sector": [
        "机关干部",
        "司法干警",
        "律师",
        "教师",
        "医护人员",
        "心理咨询师",
        "事业单位",
        "企业",
        "社会组织",
        "其他",
    ],
}


class Migration(migrations.Migration):
    dependencies = [("volunteers", "0001_initial")]
    operations = [migrations.RunPython(seeder("volunteers", TABLES), migrations.RunPython.noop)]
