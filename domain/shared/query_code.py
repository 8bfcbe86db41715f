"""The query code a person is given once at receipt (办件查询): their only key
to the public progress lookup, kept as a hash. Every context's receipts use
this one scheme."""

from __future__ import annotations

import hashlib
import secrets

# Crockford's base32: no I, L, O or U to misread when typed from a paper
# voucher or read out on the telephone.
QUERY_CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_query_code() -> str:
    """12 characters, 60 bits: too many to guess, even from a stolen hash."""
    raw = "".join(secrets.choice(QUERY_CODE_ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def normalise_query_code(query_code: str) -> str:
    return "".join(query_code.split()).replace("-", "").upper()


def query_code_hash(number: str, query_code: str) -> str:
    """The stored form, bound to the receipt's number."""
    code = normalise_query_code(query_code)
    return hashlib.sha256(f"{number}:{code}".encode()).hexdigest()
