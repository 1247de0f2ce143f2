"""Which resource reads which ledger; the command and the templates look them up here."""

from django.utils.module_loading import import_string

RESOURCES = {
    "children": "children.resources.ChildResource",
    "volunteers": "volunteers.resources.VolunteerResource",
    "pairings": "pairing.resources.PairingResource",
    "visits": "activities.resources.VisitResource",
    "activities": "activities.resources.ActivityResource",
}


def resource_class(kind: str):
    return import_string(RESOURCES[kind])
