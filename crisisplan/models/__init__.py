"""Frozen pydantic models: the playbook, templates and shared types."""
