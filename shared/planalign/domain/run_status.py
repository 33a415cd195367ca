"""The run lifecycle: which status may follow which. The store writes transitions with a condition
built from this table, so a terminal run never moves again.

One vocabulary for every route (the Studio's): a run is `pending -> running -> completed | failed |
cancelled`; a run that finished with warnings is `completed` and lists them in `warnings`. A scenario
shows its latest run's status, except that a pending run makes it `queued`, and a scenario that
never ran is `not_run`."""

PENDING = "pending"
RUNNING = "running"
COMPLETED = "completed"
FAILED = "failed"
CANCELLED = "cancelled"

TERMINAL = frozenset({COMPLETED, FAILED, CANCELLED})
ACTIVE = frozenset({PENDING, RUNNING})

ALLOWED_FROM: dict[str, frozenset[str]] = {
    RUNNING: frozenset({PENDING, RUNNING}),
    COMPLETED: frozenset({RUNNING}),
    FAILED: frozenset({PENDING, RUNNING}),
    CANCELLED: frozenset({PENDING, RUNNING}),
}

STAGES = ("import", "simulation", "pipeline")

# A completed run's downloadable exports (its results workbook) are made after it completed: absent on
# a run completed before exports were made late, whose workbook is there.
EXPORTS_PENDING = "pending"
EXPORTS_READY = "ready"
EXPORTS_FAILED = "failed"

SCENARIO_NOT_RUN = "not_run"
SCENARIO_QUEUED = "queued"


def is_terminal(status: str) -> bool:
    return status in TERMINAL


def scenario_status(run_status: str) -> str:
    """The scenario's status while its latest run has `run_status`."""
    return SCENARIO_QUEUED if run_status == PENDING else run_status


# Our stages in the names the Studio's stage stepper knows (INITIALIZATION, FOUNDATION,
# EVENT_GENERATION, STATE_ACCUMULATION, VALIDATION, REPORTING); a run not yet in a stage is
# initializing. The simulation both generates events and accumulates state year by year.
STUDIO_STAGES = {"import": "FOUNDATION", "simulation": "EVENT_GENERATION", "pipeline": "REPORTING"}
STUDIO_FIRST_STAGE = "INITIALIZATION"


def studio_stage(run: dict[str, object]) -> str:
    """The Studio's name of the stage a run is in."""
    return STUDIO_STAGES.get(str(run.get("current_stage")), STUDIO_FIRST_STAGE)
