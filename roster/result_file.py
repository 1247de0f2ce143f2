"""The reconciliation as a workbook, through the project's one writer (core.ledger.workbook).

ID numbers are shown as the user may see them (core.masking), on every sheet: a masked role
gets ``141102************`` even for a number it uploaded itself.
"""

from django.utils import timezone

from core.idnumber import mask_id_number
from core.ledger.workbook import LedgerWriter, new_workbook
from core.masking import id_number_for, sees_full_identity

from .reconcile import Result

PERSON_HEADERS = ["姓名", "身份证号码", "村（社区）", "类别", "对方表格行号"]
DIFFERENCE_HEADERS = ["姓名", "身份证号码", "村（社区）", "类别", "项目", "本系统", "对方", "对方表格行号"]
UNREADABLE_HEADERS = ["对方表格行号", "姓名", "身份证号码", "原因"]
#: Sheet name and the list of ``Result`` it holds, in workbook order after 汇总.
SHEETS = [("双方都有", "both"), ("仅对方有", "theirs_only"), ("仅本系统有", "ours_only")]


def result_workbook(result: Result, *, user) -> bytes:
    buffer, workbook = new_workbook()

    def id_no(value):
        return id_number_for(user, value)

    summary = LedgerWriter(workbook, "汇总", ["项目", "人数"], title="全覆盖核查结果")
    for label, count in result.counts().items():
        summary.write_row([label, count])
    summary.write_row([])
    checked = timezone.localtime(result.checked_at or timezone.now())
    for label, value in [
        ("对方名单", result.filename),
        ("来源", result.source or "—"),
        ("核查人", user.get_full_name() or user.get_username()),
        ("核查时间", checked.strftime("%Y-%m-%d %H:%M")),
        ("身份证号码", "完整" if sees_full_identity(user) else "已脱敏"),
    ]:
        summary.write_row([label, value])
    summary.finish()
    for name, attribute in SHEETS:
        sheet = LedgerWriter(workbook, name, PERSON_HEADERS)
        for person in getattr(result, attribute):
            sheet.write_row([person.name, id_no(person.id_number), person.village, person.category, person.row])
        sheet.finish()
    sheet = LedgerWriter(workbook, "不一致", DIFFERENCE_HEADERS)
    for d in result.differences:
        p = d.person
        sheet.write_row([p.name, id_no(p.id_number), p.village, p.category, d.item, d.ours, d.theirs, d.row])
    sheet.finish()
    sheet = LedgerWriter(workbook, "无法核对", UNREADABLE_HEADERS)
    for u in result.unreadable:
        shown = u.id_text if sees_full_identity(user) else mask_id_number(u.id_text)
        sheet.write_row([u.row, u.name, shown, u.reason])
    sheet.finish()
    workbook.close()
    return buffer.getvalue()
