"""Helpers for data migrations that seed editable lookup tables.

Data migrations pass the historical model in (``apps.get_model``), so this module never
imports app models and stays safe to re-run.
"""


def seed_lookup(model, names):
    for order, name in enumerate(names, start=1):
        model.objects.get_or_create(name=name, defaults={"sort_order": order})


def seeder(app_label, tables):
    """A RunPython forward function seeding ``{model_name: [names…]}`` of one app."""

    def forward(apps, schema_editor):
        for model_name, names in tables.items():
            seed_lookup(apps.get_model(app_label, model_name), names)

    return forward
