from django.db import migrations

from core.seeding import seeder

TABLES = {
    "ChildCategory": ["农村留守儿童", "困境儿童", "事实无人抚养儿童", "孤儿"],
    "DifficultyType": ["家庭经济困难", "自身残疾", "重病", "监护缺失", "父母服刑", "单亲家庭", "其他"],
}


class Migration(migrations.Migration):
    dependencies = [("children", "0001_initial")]
    operations = [migrations.RunPython(seeder("children", TABLES), migrations.RunPython.noop)]
