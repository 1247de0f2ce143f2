"""One way to compare place names as ledgers spell them (issue 12).

吴城村, 吴城 村, 吴城村委会 and ｗｕ full-width letters are one name; 圪洞镇, 圪洞乡 and 圪洞街道 too.
``place_key`` removes what never distinguishes two places (width, spaces); ``place_stem`` also
drops the kind of place, so 吴城村 and 吴城社区 share a stem. A stem decides only when exactly
one region has it.
"""

import re
import unicodedata

VILLAGE_SUFFIXES = ("村民委员会", "居民委员会", "村委会", "居委会", "社区", "村")
TOWNSHIP_SUFFIXES = ("人民政府", "街道办事处", "办事处", "街道", "镇", "乡")

_SPACES = re.compile(r"\s+")


def place_key(name) -> str:
    if name is None:
        return ""
    return _SPACES.sub("", unicodedata.normalize("NFKC", str(name)))


def place_stem(name, suffixes) -> str:
    """The name without its kind of place (at most two suffixes: 城内社区居委会 → 城内)."""
    key = place_key(name)
    for _ in range(2):
        for suffix in suffixes:
            if key.endswith(suffix) and len(key) > len(suffix):
                key = key[: -len(suffix)]
                break
    return key


def village_stem(name) -> str:
    return place_stem(name, VILLAGE_SUFFIXES)


def township_stem(name) -> str:
    return place_stem(name, TOWNSHIP_SUFFIXES)
