"""The run lifecycle: which status may follow which. The store writes transitions with a condition
built from this table, so a terminal run never moves again."""

QUEUED = "queued"
RUNNING = "running"
COMPLETED = "completed"
COMPLETED_WITH_WARNINGS = "completed_with_warnings"
FAILED = "failed"
CANCELLED = "cancelled"

TERMINAL = frozenset({COMPLETED, COMPLETED_WITH_WARNINGS, FAILED, CANCELLED})

ALLOWED_FROM: dict[str, frozenset[str]] = {
    RUNNING: frozenset({QUEUED, RUNNING}),
    COMPLETED: frozenset({RUNNING}),
    COMPLETED_WITH_WARNINGS: frozenset({RUNNING}),
    FAILED: frozenset({QUEUED, RUNNING}),
    CANCELLED: frozenset({QUEUED, RUNNING}),
}

STAGES = ("import", "simulation", "pipeline")


def is_terminal(status: str) -> bool:
    return status in TERMINAL
