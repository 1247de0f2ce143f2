import datetime

from proposals.models import Kind, Proposal


def exit_payload(**extra):
    return {"reason": "aged_out", "reason_text": "", "on": datetime.date(2025, 3, 1).isoformat(), **extra}


def proposal_rows(world, users) -> dict:
    """A pending exit proposal in township A and one in township B (for core.tests.matrix)."""
    rows = {}
    for key in ("a", "b"):
        child = world[key]["child"]
        rows[key] = Proposal.objects.create(
            kind=Kind.EXIT,
            child=child,
            region=child.region,
            payload=exit_payload(),
            summary=f"{child.name}退出",
            proposer=users[f"town_{key}"],
        )
    return {"proposals.proposal": rows}
