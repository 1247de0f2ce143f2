from django.apps import apps

from regions.roles import sync_roles


def test_it_leaves_the_app_registry_as_it_found_it(db):
    before = {config.label: config.models_module for config in apps.get_app_configs()}
    sync_roles(apps)
    assert {config.label: config.models_module for config in apps.get_app_configs()} == before
