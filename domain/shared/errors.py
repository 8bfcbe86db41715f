"""Domain errors: every refusal names the rule (and article) it enforces.

The API maps these onto RFC 9457 problem details by class, so below `api/`
nothing raises HTTP-shaped errors. `slug` becomes the stable problem `type`.
"""

from __future__ import annotations


class DomainError(Exception):
    """A command was refused because it would break a rule of the domain."""

    slug = "rule-violated"
    title = "Domain rule violated"

    def __init__(self, detail: str, *, rule: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.rule = rule  # e.g. "行政许可法 第32条"


class NotFoundError(DomainError):
    """The case, item or record does not exist (or is not visible)."""

    slug = "not-found"
    title = "Not found"


class InvalidInputError(DomainError):
    """A value is malformed in a way the domain itself defines (e.g. a USCC).

    `field` names the input at fault so the API can report it field by field.
    """

    slug = "invalid-input"
    title = "Invalid input"

    def __init__(
        self,
        detail: str,
        *,
        field: str | None = None,
        rule: str | None = None,
        errors: tuple[dict[str, object], ...] = (),
    ) -> None:
        super().__init__(detail, rule=rule)
        self.field = field
        # Many faults at once (a bulk import's report: each bad row and why),
        # each {"field": …, "message": …}; the API lists them as they are.
        self.errors = errors


class AuditContractError(DomainError):
    """A command arrived without the actor or reason the audit trail needs."""

    slug = "audit-contract"
    title = "Audit contract not met"


class IllegalTransitionError(DomainError):
    """The case is not in a state where this command is allowed."""

    slug = "illegal-transition"
    title = "Not allowed in the current state"


class DeadlineError(DomainError):
    """A statutory or promised time limit forbids the command."""

    slug = "time-limit"
    title = "Time limit rule violated"


class PermissionDeniedError(DomainError):
    """The actor's role or jurisdiction does not allow the command."""

    slug = "forbidden"
    title = "Not permitted"
