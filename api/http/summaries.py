"""A case's history in the bureau's words (全过程留痕): a line a person can read
for each recorded fact.

Each context contributes one `Summaries` for its events, keyed by each event's
pinned topic (domain/shared/events.py), so that two events of the same
class name (two aggregates may each have a `Withdrawn`) never share a line.
The composition root registers them; `history_entry` (api/http/views.py) looks
an event up by its topic. An event nobody describes reads as its class name.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

# A `str.format` template over the event's data (a nested value is indexed,
# e.g. `{decision_due[due]}`), or a function of the data choosing one where a
# single line does not fit every case.
Template = str | Callable[[Mapping[str, Any]], str]


@dataclass(frozen=True)
class Summaries:
    """How one context's events read in a history."""

    templates: Mapping[str, Template]  # by pinned topic
    # The bureau's words for coded values that appear in the lines.
    labels: Mapping[str, str] = field(default_factory=dict)
    # Fields a history never shows (a credential, even hashed).
    withheld: frozenset[str] = frozenset()

    def summary(self, event_type: type[Any], data: Mapping[str, Any]) -> str:
        template = self.templates.get(event_type.TOPIC)
        if template is None:
            return event_type.__name__
        if not isinstance(template, str):
            template = template(data)
        fields = {
            k: v if isinstance(v, dict) else self._readable(v) for k, v in data.items()
        }
        try:
            return template.format(**fields)
        except (KeyError, IndexError, TypeError):
            return event_type.__name__

    def _readable(self, value: Any) -> Any:
        if isinstance(value, list):
            return "、".join(str(self._readable(v)) for v in value)
        if isinstance(value, str):
            return self.labels.get(value, value)
        return value


NOTHING_KNOWN = Summaries(templates={})


class SummaryRegistry:
    """Every registered context's summaries, by topic."""

    def __init__(self) -> None:
        self._by_topic: dict[str, Summaries] = {}

    def register(self, summaries: Summaries) -> None:
        """Idempotent (each app a process builds registers again); a topic
        claimed by two different contributions is a wiring mistake."""
        for topic in summaries.templates:
            if self._by_topic.get(topic, summaries) != summaries:
                raise ValueError(f"two contexts describe the event {topic}")
        self._by_topic.update(dict.fromkeys(summaries.templates, summaries))

    def of(self, event_type: type[Any]) -> Summaries:
        return self._by_topic.get(event_type.TOPIC, NOTHING_KNOWN)


REGISTRY = SummaryRegistry()
