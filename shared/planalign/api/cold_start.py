"""What an API function does once per execution environment: import its handler."""

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Import a handler with the cyclic garbage collector paused, then freeze what it imported out of
    later collections. FastAPI, pydantic and the routes make some 60,000 objects that live as long as
    the process and almost no garbage, yet set off about 140 collections during the import, and the
    first collection after it would walk them all: 27-34 ms of a 250-285 ms cold start, precompiled
    (README, Benchmarks: cold start). The collector's on/off state is restored after."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()
