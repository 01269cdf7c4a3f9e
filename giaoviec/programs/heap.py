"""The API process's garbage collector, set once its app is built.

Python's full collection (the oldest generation) walks every object it tracks, and an API
process tracks ~210,000 from its imports alone (the GraphQL schema, SQLAlchemy's mappers, the
calendars): at a million tasks each full collection held requests up for 70–140 ms, 19 of them
in a 20-round `bench.million` run, and the p95 of several queries was one such pause
(docs/benchmarks.md, "Garbage-collection pauses"). Frozen after start-up, those objects are
never walked again; with a larger first threshold, full collections come about four times
less often. Garbage is still collected, later and in smaller walks.
"""

from __future__ import annotations

import gc

FIRST_GENERATION_THRESHOLD = 10_000  # allocations between young collections (Python's: 700)
OLDER_GENERATIONS_THRESHOLD = 20  # young collections per older one, and so on (Python's: 10)


def settle_heap() -> None:
    """Collect what start-up left behind, freeze the rest, and collect less often."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(FIRST_GENERATION_THRESHOLD, OLDER_GENERATIONS_THRESHOLD,
                     OLDER_GENERATIONS_THRESHOLD)
