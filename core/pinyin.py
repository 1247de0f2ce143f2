"""The pinyin of a name, for search: ``wzx`` or ``wangzixuan`` finds 王子轩 (pypinyin).

Stored beside the name (``Child.name_pinyin``, ``Volunteer.name_pinyin``) as the full pinyin and
the initials, space-separated, so a plain ``icontains`` on one column serves every search box
(lists, autocomplete, pickers, the phone page). A surname read more than one way (单 shàn/dān,
曾 zēng/céng, 解 xiè/jiě: ``SURNAME_READINGS``) is stored in each reading, so a search by either finds the person.
"""

from pypinyin import lazy_pinyin

MAX_LENGTH = 200

#: Surnames read otherwise than the character's common reading (单 is dān in a word, Shàn as a
#: surname). Both readings are stored: staff type what they hear.
SURNAME_READINGS = {
    "单": "shan", "曾": "zeng", "解": "xie", "查": "zha", "仇": "qiu", "区": "ou", "朴": "piao",
    "盖": "ge", "乐": "yue", "覃": "qin", "缪": "miao", "翟": "zhai", "折": "she", "种": "chong",
    "祭": "zhai", "长": "chang", "尉": "yu", "燕": "yan", "纪": "ji", "召": "shao", "华": "hua",
    "任": "ren", "宁": "ning", "过": "guo", "员": "yun", "能": "nai", "句": "gou", "秘": "bi",
}  # fmt: skip


def name_pinyin(name: str) -> str:
    """``"wangzixuan wzx"`` for 王子轩; '' for a name with no Chinese characters."""
    name = "".join((name or "").split())
    if not name or not any("\u3400" <= ch <= "\u9fff" for ch in name):
        return ""
    rest = lazy_pinyin(name[1:], errors="default")
    # Style.FIRST_LETTER gives each syllable's first letter: the same, without a second conversion
    # (an import computes 10,000 names).
    rest_initials = "".join(syllable[:1] for syllable in rest)
    surnames = [lazy_pinyin(name[0])[0], *filter(None, [SURNAME_READINGS.get(name[0])])]
    words = []
    for surname in dict.fromkeys(surnames):
        for word in (surname + "".join(rest), surname[:1] + rest_initials):
            if word.lower() not in words:
                words.append(word.lower())
    return " ".join(words)[:MAX_LENGTH]
