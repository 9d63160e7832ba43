"""Persistence: engine factory, tables mapped onto the domain dataclasses, repositories, migrations."""
