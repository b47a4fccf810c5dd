"""The banding half of MinHash-LSH, stored compactly.

datasketch computes the MinHash signatures; its own ``MinHashLSH`` keeps one Python ``set``
per band bucket, about 1.4 GB for 100,000 items with 42 bands. Here each band of a signature
becomes one 64-bit key in a single dict whose value is the item id (or a list of ids for the
rare shared bucket), and each item keeps its band keys in an array for removal: about a
quarter of the memory, the same candidates.
"""

from __future__ import annotations

from array import array

import numpy as np
from datasketch import MinHash

_MIX = np.array(
    [0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0xD6E8FEB86659FD93],
    dtype=np.uint64,
)


class BandIndex:
    """Items by the buckets of their signature's bands; ``query`` returns bucket mates."""

    def __init__(self, num_perm: int, bands: int, rows: int) -> None:
        if bands * rows > num_perm or rows > len(_MIX) - 1:
            raise ValueError(f"{bands} bands of {rows} rows do not fit {num_perm} permutations")
        self.bands, self.rows = bands, rows
        self._salt = np.arange(bands, dtype=np.uint64) * _MIX[-1]
        self._buckets: dict[int, int | list[int]] = {}
        self._keys: dict[int, array[int]] = {}

    def __len__(self) -> int:
        return len(self._keys)

    def band_keys(self, minhash: MinHash) -> list[int]:
        """One 64-bit key per band (rows mixed by multiply-add, wrapping)."""
        values = np.asarray(minhash.hashvalues[: self.bands * self.rows], dtype=np.uint64)
        grid = values.reshape(self.bands, self.rows)
        with np.errstate(over="ignore"):
            keys = (grid * _MIX[: self.rows]).sum(axis=1, dtype=np.uint64) + self._salt
        return [int(key) for key in keys]

    def insert(self, item: int, minhash: MinHash) -> None:
        keys = self.band_keys(minhash)
        self._keys[item] = array("Q", keys)
        buckets = self._buckets
        for key in keys:
            found = buckets.get(key)
            if found is None:
                buckets[key] = item
            elif isinstance(found, list):
                found.append(item)
            else:
                buckets[key] = [found, item]

    def query(self, minhash: MinHash) -> set[int]:
        found: set[int] = set()
        buckets = self._buckets
        for key in self.band_keys(minhash):
            hit = buckets.get(key)
            if hit is None:
                continue
            if isinstance(hit, list):
                found.update(hit)
            else:
                found.add(hit)
        return found

    def remove(self, item: int) -> None:
        keys = self._keys.pop(item, None)
        if keys is None:
            return
        buckets = self._buckets
        for key in keys:
            hit = buckets.get(key)
            if isinstance(hit, list):
                if item in hit:
                    hit.remove(item)
                if len(hit) == 1:
                    buckets[key] = hit[0]
            elif hit == item:
                del buckets[key]
