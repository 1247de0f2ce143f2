"""The admin's search words as conditions PostgreSQL answers from indexes (issue 16).

Django's ``icontains`` is ``UPPER(col::text) LIKE UPPER('%word%')``: a GIN trigram index on
``UPPER(col)`` (core.migration_ops.trigram_index) serves it for words of three characters or
more. A shorter word ("王", "小燕": the surname staff type most) has no trigram, so PostgreSQL
read every row in scope; for those words :class:`SpacedContains` compares the column's *spaced*
text (core.migration_ops.SPACED_SQL), which its own index holds. SQLite gets plain
``icontains``.

A search ORs its fields, and PostgreSQL answers an OR from indexes only when every arm has one
(a BitmapOr); one arm without an index reads the whole table. So a field reached through a
foreign key (``team__name``) is searched as ``team_id = ANY(ARRAY(SELECT id FROM team WHERE …))``
(the array is computed once, then the foreign key's index answers it), and a short word does not
search the number fields (``SHORT_WORD_SKIPPED``): one or two digits are in nearly every ID or
phone number, so they never narrowed a search anyway.
"""

from django.db import connections
from django.db.models import F, Lookup, Q
from django.db.models.constants import LOOKUP_SEP

from core.migration_ops import SPACED_SQL

#: pg_trgm takes trigrams from a LIKE word of at least this many characters.
TRIGRAM_MIN = 3

#: Number fields not searched by a word shorter than ``TRIGRAM_MIN`` (see the module's docstring).
SHORT_WORD_SKIPPED = frozenset({"id_number", "phone", "guardian_phone"})


def _like_escaped(char: str) -> str:
    return "\\" + char if char in "\\%_" else char


def spaced_pattern(word: str) -> str:
    """``王小`` → ``% 王 小 %``: the LIKE pattern of the word in the spaced text."""
    return "% " + " ".join(_like_escaped(c) for c in word) + " %"


class SpacedContains(Lookup):
    """``(' ' || regexp_replace(UPPER(col::text), '(.)', '\\1 ', 'g')) LIKE UPPER('% 王 %')``:
    the column contains the word (case-insensitively), in the form the spaced index holds.
    PostgreSQL only."""

    lookup_name = "spaced_contains"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = compiler.compile(self.lhs)
        return f"{SPACED_SQL.format(column=lhs)} LIKE UPPER(%s)", [*lhs_params, spaced_pattern(self.rhs)]


class InArray(Lookup):
    """``fk_id = ANY(ARRAY(SELECT …))``: PostgreSQL computes the array once (an InitPlan) and
    answers the condition from the foreign key's index, so it can be one arm of a BitmapOr
    (``fk_id IN (SELECT …)`` inside an OR is a filter on every row). PostgreSQL only."""

    lookup_name = "in_array"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = compiler.compile(self.lhs)
        rhs, rhs_params = compiler.compile(self.rhs)
        return f"{lhs} = ANY(ARRAY{rhs})", [*lhs_params, *rhs_params]


def _postgresql(model) -> bool:
    from django.db import router

    return connections[router.db_for_read(model)].vendor == "postgresql"


def word_condition(model, path: str, word: str, *, indexed: bool = True) -> Q | None:
    """``path`` (a search field without prefix: "name", "team__name") contains ``word``, as a
    condition PostgreSQL can answer from an index; None when the field is not searched for
    this word (a short word and a number field).

    ``indexed=False`` when the condition is tested row by row anyway (an OR with an EXISTS arm
    walks the list's order index): plain ``icontains`` through joins, the cheapest per row; an
    array of every child named 王 would be searched once per pairing walked."""
    if len(word) < TRIGRAM_MIN and path.rsplit(LOOKUP_SEP, 1)[-1] in SHORT_WORD_SKIPPED:
        return None
    if not indexed or not _postgresql(model):
        return Q(**{f"{path}__icontains": word})
    first, _, rest = path.partition(LOOKUP_SEP)
    field = model._meta.get_field(first)
    if rest and field.many_to_one:
        inner = word_condition(field.related_model, rest, word)
        if inner is None:
            return None
        target = field.target_field.attname
        related = field.related_model._base_manager.filter(inner).order_by().values(target)
        return Q(InArray(F(field.attname), related))
    if rest:  # a many-valued relation: the caller makes it an EXISTS
        return Q(**{f"{path}__icontains": word})
    if len(word) >= TRIGRAM_MIN:
        return Q(**{f"{path}__icontains": word})
    return Q(SpacedContains(F(path), word))
