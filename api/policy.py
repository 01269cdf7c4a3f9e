"""Who may call each root field, said once per field where the schema is put together
(api/schema.py) instead of by a call each resolver has to remember.

Every Query, Mutation and Subscription field carries a policy: today all of them `signed_in`
(a verified token of an active official). What a signed-in official may then read or do is
the read rule and the domain's authority, checked by the reads and the workflow. Fields of
object types are reached only through a root field, so they run under its policy; the loaders
they use fail closed (`RequestContext.known_viewer`) should one ever be reached otherwise.
tests/api/test_policy.py walks the schema and fails on a root field without a policy.
"""

from __future__ import annotations

import copy
from typing import Any

from strawberry.permission import BasePermission, PermissionExtension
from strawberry.types.field import StrawberryField

from api.context import Info


class IsSignedIn(BasePermission):
    """The request carries a verified token of an active official (or a dashboard session).
    Refused with UNAUTHENTICATED before the resolver runs."""

    async def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        await info.context.viewer()  # raises UNAUTHENTICATED; the viewer is kept for the request
        return True


POLICIES: tuple[type[BasePermission], ...] = (IsSignedIn,)


def signed_in(field: Any) -> Any:
    """The root field with the IsSignedIn policy (a copy: the concept module's field stays
    as it was written)."""
    return _with_policy(field, IsSignedIn)


def _with_policy(field: Any, policy: type[BasePermission]) -> StrawberryField:
    if not isinstance(field, StrawberryField):
        raise TypeError(f"not a Strawberry field: {field!r}")
    guarded = copy.copy(field)
    guarded.permission_classes = [*field.permission_classes, policy]
    # Appended last: the outermost extension, so the policy runs before anything else.
    guarded.extensions = [*field.extensions, PermissionExtension([policy()],
                                                                 use_directives=False)]
    return guarded


def policy_of(field: StrawberryField) -> list[type[BasePermission]]:
    """The policies a field carries (for the schema walk)."""
    return [p for p in field.permission_classes if p in POLICIES]
