"""Events read back as recorded: parsed into their real types, not checked again.

An event was validated when it was recorded; a read model folding a million of
them need not prove each one again. Checking dominated a rebuild's decoding:
the shared text rules and the USCC check digits run as Python functions on
every field of every event. Here each event class gets a second pydantic-core
validator, built from the class's own core schema without its *after*
validators (`function-after` nodes: field checks such as the text rules and
USCC, and model checks such as "promised limit within the statutory one").
Everything else is kept, so a stored event comes back exactly as the full
decode gives it: JSON types parsed to UUID, date, datetime, enums, tuples,
frozensets and nested models by pydantic-core itself, defaults for fields
added since, and the *before* and *wrap* validators (they may shape the input,
e.g. a catalogue item's renewal lead in months). tests/domain/test_recorded.py
proves it for every event class: the stored sample of each, read this way,
equals the fully validated read.

A class whose schema cannot be taken apart safely (a custom `__init__`, which
would validate in full anyway; an after validator holding a reference another
node needs; a pydantic-core without the switch that turns off its prebuilt
validators) has no such validator and is read with full validation: slower,
never wrong.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from pydantic import BaseModel
from pydantic_core import SchemaValidator


class _CannotStripError(Exception):
    """The schema has a node this module does not take apart."""


def without_checks(node: Any) -> Any:
    """A copy of a core schema with every `function-after` replaced by the
    schema it wraps."""
    if isinstance(node, list):
        return [without_checks(item) for item in node]
    if not isinstance(node, dict):
        return node
    if node.get("custom_init"):
        raise _CannotStripError  # pydantic-core would call __init__: full validation
    if node.get("type") == "function-after":
        inner = without_checks(node["schema"])
        if "ref" in node:  # others may point at the wrapper by its ref
            if "ref" in inner:
                raise _CannotStripError
            inner = {**inner, "ref": node["ref"]}
        return inner
    return {
        key: value if key in ("metadata", "serialization") else without_checks(value)
        for key, value in node.items()
    }


@cache
def recorded_validator(cls: type[BaseModel]) -> SchemaValidator | None:
    """The validator that reads `cls` as recorded, or None (see the module)."""
    try:
        schema = without_checks(cls.__pydantic_core_schema__)
        # Without `_use_prebuilt=False` pydantic-core would reuse each nested
        # model's own (checking) validator.
        return SchemaValidator(schema, None, _use_prebuilt=False)
    except (_CannotStripError, TypeError):
        return None
