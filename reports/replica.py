"""Which reports read from the replica (core.db): those of a county or wider.

A county's, city's or the province's figures and ledgers are the long region-wide reads the
replica is for. A township's are small and are read where they were written, so staff see the
visit they just entered.
"""

from core.db import reading_from_replica
from regions.models import Level
from regions.scoping import scope_covers_level


def reads_widely(user) -> bool:
    return scope_covers_level(user, Level.COUNTY)


#: For a view: its reads go to the replica when the signed-in user's scope is a county or wider.
replica_for_wide_scopes = reading_from_replica(when=lambda request, *args, **kwargs: reads_widely(request.user))
