"""Signals that connect features without importing each other (audit logging listens to these).

Identical copies of this file are created on several branches; keep it exactly as is.
"""

from django.dispatch import Signal

#: After a ledger import is committed. kwargs: user, ledger (str: children|volunteers|pairings|
#: visits|activities), filename (str), counts (dict: new, updated, skipped, errors).
ledger_imported = Signal()

#: After an export file is produced. kwargs: user, ledger (str), rows (int), filters (dict).
ledger_exported = Signal()

#: When a person opens a child's record (admin change view or profile page). kwargs: user, child.
child_record_viewed = Signal()
