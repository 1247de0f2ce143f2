import datetime

from proposals.models import Kind, Proposal


def exit_payload(**extra):
    return {"reason": "aged_out", "reason_text": "", "on": datetime.date(2025, 3, 1).isoformat(), **extra}


def proposal_rows(child, user) -> dict:
    """A pending exit proposal of ``child`` by ``user`` (for core.tests.matrix)."""
    proposal = Proposal.objects.create(
        kind=Kind.EXIT,
        child=child,
        region=child.region,
        payload=exit_payload(),
        summary=f"{child.name}退出",
        proposer=user,
    )
    return {"proposals.proposal": proposal}
