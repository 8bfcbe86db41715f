"""C2SP signed notes, tlog-checkpoint bodies and the ledger's Ed25519 key
(domain/ledger/note.py, api/audit/signing.py), against Go's test vectors."""

from __future__ import annotations

import base64
import re

import pytest

from api.audit.signing import LedgerKey, verify_note
from domain.ledger.merkle import EMPTY_ROOT
from domain.ledger.note import (
    Checkpoint,
    NoteError,
    Signature,
    SignedNote,
    key_id,
    parse_checkpoint,
    parse_note,
    parse_verifier_key,
    verifier_key,
)

# Copied from golang/mod, sumdb/note/note_test.go (TestSign, TestOpen).
PETER_SKEY = (
    "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
)
PETER_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
ENOCH_VKEY = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
PETER_SIG = "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
ENOCH_SIG = "— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n"
SIGNED = TEXT + "\n" + PETER_SIG


def peter() -> tuple[str, bytes]:
    name, _, public = parse_verifier_key(PETER_VKEY)
    return name, public


def enoch() -> tuple[str, bytes]:
    name, _, public = parse_verifier_key(ENOCH_VKEY)
    return name, public


# --- Go's vectors ------------------------------------------------------------------


def test_gos_signed_note_verifies_with_gos_verifier_key() -> None:
    note = verify_note(SIGNED, [peter()])
    assert note.text == TEXT
    assert note.signatures == (
        Signature(
            "PeterNeumann", bytes.fromhex("c74f20a3"), note.signatures[0].signature
        ),
    )


def test_our_signature_of_gos_text_is_gos_byte_for_byte() -> None:
    # Ed25519 is deterministic: the same seed and text give the same bytes.
    assert LedgerKey.parse(PETER_SKEY).sign_note(TEXT) == SIGNED


def test_gos_keys_round_trip() -> None:
    key = LedgerKey.parse(PETER_SKEY)
    assert key.encode() == PETER_SKEY
    assert key.verifier_key() == PETER_VKEY
    assert (key.name, key.public_key) == peter()
    assert key_id("PeterNeumann", key.public_key) == bytes.fromhex("c74f20a3")
    assert verifier_key(*peter()) == PETER_VKEY


def test_a_note_with_an_unknown_cosignature_still_verifies() -> None:
    both = TEXT + "\n" + PETER_SIG + ENOCH_SIG
    assert verify_note(both, [peter()]).text == TEXT
    assert verify_note(both, [enoch()]).text == TEXT
    assert len(verify_note(both, [peter(), enoch()]).signatures) == 2


def test_a_witness_cosignature_of_another_type_is_ignored() -> None:
    # c2sp.org/tlog-cosignature lines (type 0x04) carry a timestamp the
    # log's verifier knows nothing of: one more unknown signature.
    witness = Signature("witness.example/w1", b"\x01\x02\x03\x04", bytes(72))
    note = SignedNote(TEXT, (*parse_note(SIGNED).signatures, witness)).format()
    assert verify_note(note, [peter()]).text == TEXT


def mangled(text: str) -> list[str]:
    """Go's TestNewVerifier/TestNewSigner probes: every proper substring and
    every one-character increment."""
    cuts = [
        text[i:j]
        for i in range(len(text) + 1)
        for j in range(i + 1, len(text) + 1)
        if (i, j) != (0, len(text))
    ]
    bumps = [text[:i] + chr(ord(text[i]) + 1) + text[i + 1 :] for i in range(len(text))]
    return cuts + bumps


def test_every_mangled_verifier_key_is_refused() -> None:
    for bad in mangled(PETER_VKEY):
        with pytest.raises(NoteError):
            parse_verifier_key(bad)


def test_every_mangled_signer_key_is_refused() -> None:
    for bad in mangled(PETER_SKEY):
        with pytest.raises(NoteError):
            LedgerKey.parse(bad)


@pytest.mark.parametrize(
    "vkey",
    [
        # golang/mod sumdb/note/note_test.go: a key of the wrong length and an
        # unknown algorithm, each with its key hash adjusted.
        "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==",
        "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
    ],
)
def test_verifier_keys_of_another_shape_are_refused(vkey: str) -> None:
    with pytest.raises(NoteError):
        parse_verifier_key(vkey)


# --- Notes that are refused ---------------------------------------------------------


EMPTY_NAME = PETER_SIG.replace("PeterNeumann", "")
PLUS_NAME = PETER_SIG.replace("PeterNeumann", "Peter+Neumann")
SPACED = "— Bad Name " + PETER_SIG.split(" ")[-1]


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        (TEXT, "follow a blank line"),  # no signatures
        (TEXT + "\n", "ends with a signature line"),  # a blank line, still none
        (SIGNED[:-1], "ends with a signature line"),  # no final newline
        ("\x01" + SIGNED, "control characters"),
        (SIGNED.replace("\n", "\r\n"), "control characters"),
        (SIGNED.replace("you don't", "you\tdon't"), "control characters"),
        (TEXT + "\n" + SPACED, "malformed base64"),  # "Bad" and "Name …"
        (TEXT + "\n" + PLUS_NAME, "invalid key name"),
        (TEXT + "\n" + EMPTY_NAME, "invalid key name"),
        (SIGNED + "Unexpected line.\n", "em dash"),
        (TEXT + "\n" + PETER_SIG.replace("—", "-"), "em dash"),  # a hyphen
        (TEXT + "\n" + PETER_SIG.replace("—", "–"), "em dash"),  # an en dash
        (TEXT + "\n" + PETER_SIG.replace("— ", "—"), "em dash"),
        (TEXT + "\n" + PETER_SIG.replace("AM=", "AN="), "non-canonical"),
        (TEXT + "\n" + PETER_SIG.replace("AM=", "AM"), "malformed base64"),
        (TEXT + "\n" + PETER_SIG.replace("/", "_"), "malformed base64"),
        (TEXT + "\n" + PETER_SIG.replace("x08go", "x08 go"), "malformed base64"),
        (TEXT + "\n— PeterNeumann AAAAAA==\n", "4-byte key id and"),
        (TEXT + "\n" + PETER_SIG * 101, "more than 100"),
    ],
)
def test_malformed_notes_are_refused(message: str, reason: str) -> None:
    with pytest.raises(NoteError, match=reason):
        parse_note(message)


def test_a_note_that_is_not_utf8_is_refused() -> None:
    with pytest.raises(NoteError, match="UTF-8"):
        parse_note(b"\xff" + SIGNED.encode())
    with pytest.raises(NoteError, match="UTF-8"):
        parse_note("\ud800" + SIGNED)


def test_a_note_parses_from_bytes_as_from_text() -> None:
    assert parse_note(SIGNED.encode()) == parse_note(SIGNED)


def test_a_hundred_signatures_are_accepted() -> None:
    assert len(parse_note(TEXT + "\n" + PETER_SIG * 100).signatures) == 100


def test_signatures_end_at_the_last_blank_line() -> None:
    # A signature line before the last blank line is part of the text, and
    # is then not a signature: the note is signed only by what follows.
    message = TEXT + "\n" + PETER_SIG + "\n" + ENOCH_SIG
    note = parse_note(message)
    assert note.text == TEXT + "\n" + PETER_SIG
    assert [s.name for s in note.signatures] == ["EnochRoot"]
    with pytest.raises(NoteError, match="unknown key"):
        verify_note(message, [peter()])


def test_a_modified_text_does_not_verify() -> None:
    forged = SIGNED.replace("cryptography", "cryptographY")
    with pytest.raises(NoteError, match="does not verify"):
        verify_note(forged, [peter()])


def test_a_corrupted_signature_does_not_verify() -> None:
    # golang/mod sumdb/note/note_test.go: "ABCD" spliced into the signature.
    line = PETER_SIG[:60] + "ABCD" + PETER_SIG[60:]
    with pytest.raises(NoteError, match="does not verify"):
        verify_note(TEXT + "\n" + line, [peter()])


def test_a_signature_by_another_key_of_the_same_name_is_unknown() -> None:
    impostor = LedgerKey.generate("PeterNeumann").sign_note(TEXT)
    with pytest.raises(NoteError, match="signed by an unknown key"):
        verify_note(impostor, [peter()])


def test_a_signature_whose_key_id_does_not_match_is_unknown() -> None:
    raw = base64.b64decode(PETER_SIG.split(" ")[-1])
    other_id = base64.b64encode(bytes.fromhex("c74f20a4") + raw[4:]).decode()
    with pytest.raises(NoteError, match="signed by an unknown key"):
        verify_note(TEXT + "\n— PeterNeumann " + other_id + "\n", [peter()])


def test_a_note_signed_by_nobody_known_is_refused() -> None:
    with pytest.raises(NoteError, match="signed by an unknown key"):
        verify_note(SIGNED, [enoch()])
    with pytest.raises(NoteError, match="signed by an unknown key"):
        verify_note(SIGNED, [])


def test_two_keys_under_one_name_and_key_id_are_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A 32-bit key id collision: Go's VerifierList answers "ambiguous key".
    monkeypatch.setattr("api.audit.signing.key_id", lambda name, public: b"\0" * 4)
    other = LedgerKey.generate("PeterNeumann").public_key
    with pytest.raises(NoteError, match="ambiguous key"):
        verify_note(SIGNED, [peter(), ("PeterNeumann", other)])


# --- The ledger's key -------------------------------------------------------------


def test_one_key_signs_under_several_names_each_with_its_own_id() -> None:
    key = LedgerKey.generate("casetrace.test")
    licensing = key.sign_note(TEXT, "casetrace.test/licensing")
    complaints = key.sign_note(TEXT, "casetrace.test/complaints")
    assert key.key_id("casetrace.test/licensing") != key.key_id(
        "casetrace.test/complaints"
    )
    mine = [("casetrace.test/licensing", key.public_key)]
    assert verify_note(licensing, mine).signatures[0].name == "casetrace.test/licensing"
    with pytest.raises(NoteError, match="signed by an unknown key"):
        verify_note(complaints, mine)


def test_a_generated_key_round_trips_and_verifies() -> None:
    key = LedgerKey.generate("casetrace.test")
    again = LedgerKey.parse(key.encode())
    assert again.public_key == key.public_key
    assert verify_note(again.sign_note(TEXT), [("casetrace.test", key.public_key)])


def test_a_keys_repr_shows_no_secret() -> None:
    key = LedgerKey.parse(PETER_SKEY)
    secret = PETER_SKEY.rsplit("+", 1)[-1]
    assert secret not in repr(key)
    assert "c74f20a3" in repr(key)


@pytest.mark.parametrize(
    ("text", "name"),
    [("no final newline", None), ("a\x00b\n", None), (TEXT, "bad name"), (TEXT, "a+b")],
)
def test_signing_refuses_what_would_not_parse(text: str, name: str | None) -> None:
    with pytest.raises(NoteError):
        LedgerKey.parse(PETER_SKEY).sign_note(text, name)


def test_a_text_with_blank_lines_round_trips() -> None:
    text = "first\n\nsecond\n\n"
    key = LedgerKey.generate("casetrace.test")
    assert (
        verify_note(key.sign_note(text), [("casetrace.test", key.public_key)]).text
        == text
    )


# --- Checkpoints ----------------------------------------------------------------------

# C2SP/C2SP tlog-checkpoint.md: the example checkpoint's text.
SOFA = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
SOFA_ROOT = base64.b64decode("CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=")


def test_the_spec_checkpoint_round_trips() -> None:
    checkpoint = Checkpoint("example.com/behind-the-sofa", 20852163, SOFA_ROOT)
    assert checkpoint.body() == SOFA
    assert parse_checkpoint(SOFA) == checkpoint


def test_a_checkpoint_with_extensions_round_trips() -> None:
    checkpoint = Checkpoint(
        "casetrace.test/licensing", 0, EMPTY_ROOT, ("ext one", "two")
    )
    assert checkpoint.body().endswith("=\next one\ntwo\n")
    assert parse_checkpoint(checkpoint.body()) == checkpoint


def test_a_signed_checkpoint_verifies_and_parses() -> None:
    key = LedgerKey.generate("casetrace.test")
    body = Checkpoint("casetrace.test/licensing", 12, SOFA_ROOT).body()
    note = key.sign_note(body, "casetrace.test/licensing")
    text = verify_note(note, [("casetrace.test/licensing", key.public_key)]).text
    assert parse_checkpoint(text).size == 12


@pytest.mark.parametrize(
    "size", ["1_000", "١٢", "01", "+1", " 1", "1 ", "-1", "1e3", "0x10", "１"]
)
def test_malformed_tree_sizes_are_refused(size: str) -> None:
    with pytest.raises(NoteError, match="malformed tree size"):
        parse_checkpoint(SOFA.replace("20852163", size))


def test_tree_sizes_over_2_63_minus_1_are_refused() -> None:
    with pytest.raises(NoteError, match="over 2"):
        parse_checkpoint(SOFA.replace("20852163", "9223372036854775808"))
    with pytest.raises(NoteError, match="malformed tree size"):
        parse_checkpoint(SOFA.replace("20852163", "1" * 30))


@pytest.mark.parametrize("size", ["0", "9223372036854775807"])
def test_tree_sizes_up_to_2_63_minus_1_are_accepted(size: str) -> None:
    assert parse_checkpoint(SOFA.replace("20852163", size)).size == int(size)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@pytest.mark.parametrize(
    ("encoded", "reason"),
    [
        (b64(SOFA_ROOT[:31]), "32 bytes, not 31"),
        (b64(SOFA_ROOT + b"\x00"), "32 bytes, not 33"),
        ("CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2J=", "non-canonical"),  # pad bits
        ("CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I", "malformed base64"),
        ("CsUYapGGPo4dkMgIAUqom_Xajj7h2fB2MPA3j2jxq2I=", "malformed base64"),
        (" CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=", "malformed base64"),
        ("CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I==", "malformed base64"),
        (SOFA_ROOT.hex(), "32 bytes, not 48"),
    ],
)
def test_malformed_root_hashes_are_refused(encoded: str, reason: str) -> None:
    body = SOFA.replace("CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=", encoded)
    with pytest.raises(NoteError, match=reason):
        parse_checkpoint(body)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (SOFA[:-1], "ends with a newline"),
        ("example.com/log\n5\n", "at least three lines"),
        ("\n5\n" + b64(SOFA_ROOT) + "\n", "no empty line"),  # no origin
        (SOFA + "\n", "no empty line"),  # an empty extension line
        (SOFA + "ext\n\nmore\n", "no empty line"),
        (SOFA.replace("\n", "\r\n"), "control characters"),
        ("example.com/\x1blog\n5\n" + b64(SOFA_ROOT) + "\n", "control characters"),
    ],
)
def test_malformed_checkpoint_bodies_are_refused(body: str, reason: str) -> None:
    with pytest.raises(NoteError, match=reason):
        parse_checkpoint(body)


def test_an_origin_is_any_non_empty_line() -> None:
    # tlog-checkpoint: the origin SHOULD be a schema-less URL, but "clients
    # MUST NOT assume that the origin is following this format".
    body = SOFA.replace("example.com/behind-the-sofa", "Behind the sofa + 1")
    assert parse_checkpoint(body).origin == "Behind the sofa + 1"


@pytest.mark.parametrize(
    ("origin", "size", "root", "extensions"),
    [
        ("", 1, SOFA_ROOT, ()),
        ("two\nlines", 1, SOFA_ROOT, ()),
        ("log", -1, SOFA_ROOT, ()),
        ("log", 1 << 63, SOFA_ROOT, ()),
        ("log", 1, SOFA_ROOT[:31], ()),
        ("log", 1, SOFA_ROOT, ("",)),
        ("log", 1, SOFA_ROOT, ("a\nb",)),
    ],
)
def test_a_checkpoint_that_would_not_parse_cannot_be_made(
    origin: str, size: int, root: bytes, extensions: tuple[str, ...]
) -> None:
    with pytest.raises(NoteError):
        Checkpoint(origin, size, root, extensions)


def test_note_errors_are_value_errors() -> None:
    assert issubclass(NoteError, ValueError)
    with pytest.raises(ValueError, match=re.escape("malformed tree size")):
        parse_checkpoint(SOFA.replace("20852163", "01"))
