"""Header names each ledger understands (issue 4); the first name is the one exports use."""

from .headers import Column

CHILD_NAME = ("姓名", "儿童姓名")
CHILD_ID = ("身份证号码", "身份证号", "公民身份号码", "儿童身份证号", "儿童身份证号码")
TOWNSHIP = ("乡镇（街道）", "乡镇", "所在乡镇", "所在乡镇（街道）")
VILLAGE = ("村（社区）", "村", "所在村", "所在村（社区）")


def column(key, names, required=False):
    return Column(key=key, label=names[0], aliases=tuple(names[1:]), required=required)
