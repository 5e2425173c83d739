"""A file's fingerprint: the same bytes give the same hash, one byte changed gives another."""

from __future__ import annotations

import hashlib

import blake3

from flows.intake_gate import file_hash


def test_the_hash_is_blake3_of_the_bytes_and_tells_one_changed_byte(tmp_path):
    body = b"delivery_id,campaign\n" + b"".join(b"D%d,2025\n" % i for i in range(50_000))
    first, second, empty = tmp_path / "a.csv", tmp_path / "b.csv", tmp_path / "empty.csv"
    first.write_bytes(body)
    second.write_bytes(body[:-2] + b"6\n")
    empty.write_bytes(b"")
    assert file_hash(first) == blake3.blake3(body).hexdigest() == file_hash(str(first))
    assert file_hash(second) != file_hash(first)
    assert file_hash(empty) == blake3.blake3(b"").hexdigest()
    assert len(file_hash(first)) == len(hashlib.sha256().hexdigest()) == 64  # the ledger's column holds 64
