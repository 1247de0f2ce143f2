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

#: Something worth an audit record that is not an import, export or record view. kwargs: user,
#: kind (str: search|history|photo|job_file|preview|refused), place (str: the page or register),
#: detail (str: the query — masked by the receiver — or the file name), child (optional).
access_logged = Signal()
