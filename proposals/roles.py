"""What each role may do here (granted by migration 0002).

Township staff propose (``add_proposal``) and see their township's proposals; county admins
also propose and decide (``approve_proposal``, checked with the county level in
``proposals.services.may_decide``); viewers read.
"""

PROPOSAL_ROLES = {
    "admin": ["view_proposal", "add_proposal", "approve_proposal"],
    "township": ["view_proposal", "add_proposal"],
    "viewer": ["view_proposal"],
}


def grant_roles(apps, schema_editor=None):
    from regions.roles import grant_app_roles

    grant_app_roles(apps, "proposals", PROPOSAL_ROLES)
