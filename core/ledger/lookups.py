"""Townships and villages named in a ledger, found the way clerks spell them (one matcher).

A name matches when it is the same after ``regions.matching.place_key`` (width, spaces), or is
a spelling remembered as a ``RegionAlias``, or — when only one region fits — has the same stem
without its kind of place (村 / 社区 / 村委会 / 居委会, 镇 / 乡 / 街道). Villages not found under a
named township are collected so the preview can offer to create or map them.
"""

from collections import defaultdict

from django.utils.translation import gettext_lazy as _

from regions.matching import place_key, township_stem, village_stem
from regions.models import Level, Region, RegionAlias

from .values import CellError


class RegionIndex:
    """Townships and villages inside the user's scope, by name, from one query (and one for aliases)."""

    def __init__(self, user):
        self.townships: dict[str, list[Region]] = defaultdict(list)
        self.township_stems: dict[str, list[Region]] = defaultdict(list)
        self.villages: dict[str, list[Region]] = defaultdict(list)
        self.village_stems: dict[str, list[Region]] = defaultdict(list)
        regions = Region.objects.for_user(user).filter(level__in=[Level.TOWNSHIP, Level.VILLAGE])
        by_pk = {}
        for region in regions.only("id", "code", "name", "level", "parent_id"):
            by_pk[region.pk] = region
            if region.level == Level.TOWNSHIP:
                self.townships[place_key(region.name)].append(region)
                self.township_stems[township_stem(region.name)].append(region)
            else:
                self.villages[place_key(region.name)].append(region)
                self.village_stems[village_stem(region.name)].append(region)
        self.aliases: dict[str, list[Region]] = defaultdict(list)
        for region_id, key in RegionAlias.objects.for_user(user).values_list("region_id", "key"):
            if region_id in by_pk:
                self.aliases[key].append(by_pk[region_id])
        #: {(township, name as typed): how many rows} of villages not found under a named township
        self.missing: dict[tuple[Region, str], int] = defaultdict(int)

    @staticmethod
    def _first_match(*candidates: list[Region]) -> list[Region]:
        for found in candidates:
            if found:
                return found
        return []

    def township(self, name: str) -> Region:
        found = self._first_match(self.townships.get(place_key(name), []))
        if not found:
            found = self.township_stems.get(township_stem(name), [])
        if not found:
            raise CellError(_("no such township in your area"))
        if len(found) > 1:
            raise CellError(_("several townships in your area have this name"))
        return found[0]

    def village(self, name: str, township: Region | None) -> Region:
        def within(found):
            return [v for v in found if township is None or v.parent_id == township.pk]

        key = place_key(name)
        found = self._first_match(
            within(self.villages.get(key, [])),
            within(self.aliases.get(key, [])),
            within(self.village_stems.get(village_stem(name), [])),
        )
        if not found:
            if township is not None:
                self.missing[(township, key)] += 1
                raise CellError(
                    _(
                        "%(township)s has no such village; create it or map it to an existing village in the "
                        "preview, or ask the county federation's administrator"
                    )
                    % {"township": township.name}
                )
            raise CellError(_("no such village in your area; fill in the township column"))
        if len(found) > 1:
            raise CellError(_("several villages in your area have this name; fill in the township column"))
        return found[0]
