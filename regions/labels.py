"""How a region is named in a picker: 乡镇 › 村 for a village, 县 › 乡镇 for a township.

``Region.__str__`` stays the bare name (ledgers, lists and messages print it); pickers, where
two villages of one name in different townships must be told apart, use ``region_label``.
The parent must be loaded with the region (``select_related("parent")``) to keep lists flat.
"""

from .models import Level

SEPARATOR = " › "


def region_label(region) -> str:
    if region.level in (Level.VILLAGE, Level.TOWNSHIP) and region.parent_id:
        return f"{region.parent.name}{SEPARATOR}{region.name}"
    return region.name


def search_words(term: str) -> str:
    """A search term typed as a label (吴城镇 › 龙凤) searches both names."""
    return term.replace(SEPARATOR.strip(), " ")
