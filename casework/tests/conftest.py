"""The project's shared fixtures (regions, world, users) come from the root conftest."""
