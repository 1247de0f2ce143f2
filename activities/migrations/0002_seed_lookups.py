from django.db import migrations

from core.seeding import seeder

TABLES = {
    "VisitMode": ["入户走访", "电话", "视频", "校园探访", "工作站见面"],
    "ActivityType": ["亲子阅读", "社会实践", "研学", "安全教育", "主题教育", "节日慰问", "心理关爱", "其他"],
}


class Migration(migrations.Migration):
    dependencies = [("activities", "0001_initial")]
    operations = [migrations.RunPython(seeder("activities", TABLES), migrations.RunPython.noop)]
