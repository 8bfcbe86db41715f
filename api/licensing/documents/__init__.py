"""Written notices and certificates as PDF (书面凭证、电子证照, README).

`sheets` says what each kind of document says (one composer per kind, from
the case's events); `pdf` lays any sheet out on A4 with a CJK font and a QR
code, reproducibly; `issue` renders, stores by content address and records;
`routes` serves them and the public verification (电子证照核验).
"""
