"""The audit log: who did what to what, with before/after values."""

from __future__ import annotations

from typing import Any

from django.db import models

from .models import AuditEntry


def snapshot(instance: models.Model, fields: list[str]) -> dict[str, Any]:
    """The audited values of `fields`, JSON-friendly (foreign keys as ids)."""
    values = {}
    for name in fields:
        field = instance._meta.get_field(name)
        value = getattr(instance, field.attname)
        values[name] = value if isinstance(value, int | float | bool | type(None)) else str(value)
    return values


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    return {
        key: [before.get(key), after.get(key)]
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    }


def record(
    *,
    actor,
    action: str,
    target: models.Model,
    organization=None,
    changes: dict[str, list[Any]] | None = None,
) -> AuditEntry:
    """Write one audit row inside the caller's transaction."""
    return AuditEntry.objects.create(
        organization=organization,
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        target_repr=str(target)[:200],
        changes=changes or {},
    )
