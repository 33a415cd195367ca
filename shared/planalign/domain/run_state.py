"""The run state machine's state (statemachine/run.asl.json), typed: what an execution starts with, what
each stage answers, and so what each stage is given, as its input grows by the answers of the states
before it (each under its ResultPath). States pass ids and S3 keys, never data."""

import hashlib

from pydantic import BaseModel, ConfigDict, Field


def execution_name(tenant_id: str, run_id: str) -> str:
    """A run's execution name: the run id (the console shows it) and a digest of tenant and run, as
    run ids are a tenant's own and an execution name is the state machine's (at most 80 characters)."""
    digest = hashlib.sha256(f"{tenant_id}#{run_id}".encode()).hexdigest()[:16]
    return f"{run_id[:63]}-{digest}"


class ExecutionInput(BaseModel):
    """StartExecution's input, and so the Import state's. No run: an upload that asked for none is
    only imported (the HasRun choice ends its execution after Import)."""

    tenant_id: str
    workspace_id: str
    dataset_id: str
    run_id: str | None = None
    scenario_id: str | None = None


class Imported(BaseModel):
    """The Import stage's answer (`$.import`)."""

    census_key: str
    dataset_id: str
    cache_hit: bool


class EnsemblePlan(BaseModel):
    """What the IsEnsemble choice and the EnsembleMembers map read: the member count and, for an
    ensemble, the S3 key of the map's item list and how many members run at once."""

    members: int
    items_key: str | None
    max_concurrency: int


class Simulated(BaseModel):
    """The Simulation stage's answer (`$.simulation`)."""

    output_key: str
    ensemble: EnsemblePlan


class Completed(BaseModel):
    """The Pipeline stage's answer (`$.pipeline`): the run is completed."""

    results_key: str
    status: str


class Exported(BaseModel):
    """The Exports stage's answer (`$.exports`)."""

    export_keys: list[str]


class SimulationInput(ExecutionInput):
    model_config = ConfigDict(populate_by_name=True)

    run_id: str
    imported: Imported = Field(alias="import")


class PipelineInput(SimulationInput):
    simulation: Simulated


class ExportsInput(PipelineInput):
    pipeline: Completed


class MemberInput(BaseModel):
    """One item of the EnsembleMembers map (its ItemSelector): ensemble member `member` of the run."""

    tenant_id: str
    run_id: str
    census_key: str
    member: int


class MemberDone(BaseModel):
    """An ensemble member's answer."""

    member: int


class StageError(BaseModel):
    """What a Catch puts under `$.error`: the error's name and its cause (for a Lambda error, the
    JSON of its errorType and errorMessage)."""

    Error: str = ""
    Cause: str = ""


class FailedInput(ExecutionInput):
    """The MarkFailed state's input: the state as the failing stage got it, and the error."""

    error: StageError = StageError()
