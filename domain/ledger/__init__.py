"""The tamper-evident ledger: Merkle tree hashing, proofs and signed checkpoints."""
