"""Content hashes of artifact folders and cache keys.

xxh3-128 hashes a 100 MiB array in about 4 ms here (sha256 takes about 50 ms), which keeps the
artifact hand-off close to the raw speed of writing the bytes; 128 bits make accidental
collisions negligible for cache keys. It is not meant to resist a deliberate attacker.
"""

from __future__ import annotations

from pathlib import Path

ALGORITHM = "xxh3_128"
_CHUNK = 1 << 20


def hash_text(*parts: str) -> str:
    """Hash several strings (kept apart by their lengths, so ("ab", "c") != ("a", "bc"))."""
    import xxhash

    digest = xxhash.xxh3_128()
    for part in parts:
        data = part.encode("utf-8")
        digest.update(len(data).to_bytes(8, "little"))
        digest.update(data)
    return digest.hexdigest()


def hash_folder(folder: Path) -> tuple[str, int]:
    """Content hash and total size of every file below ``folder`` (names are part of the hash)."""
    import xxhash

    digest = xxhash.xxh3_128()
    total = 0
    files = sorted(path for path in folder.rglob("*") if path.is_file())
    for path in files:
        name = path.relative_to(folder).as_posix().encode("utf-8")
        size = path.stat().st_size
        digest.update(len(name).to_bytes(8, "little") + name + size.to_bytes(8, "little"))
        with path.open("rb") as handle:
            while chunk := handle.read(_CHUNK):
                digest.update(chunk)
        total += size
    return f"{ALGORITHM}:{digest.hexdigest()}", total
