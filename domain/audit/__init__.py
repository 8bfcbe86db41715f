"""The auditors' own trace: every read of the audit index is itself recorded."""
