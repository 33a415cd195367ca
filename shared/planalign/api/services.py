"""The adapters a route uses, as FastAPI dependencies (tests and the local stack share them)."""

from typing import Annotated

from fastapi import Depends

from planalign.adapters.artifacts import Artifacts
from planalign.adapters.store import Store
from planalign.adapters.workflow import Workflow


def get_store() -> Store:
    return Store()


def get_artifacts() -> Artifacts:
    return Artifacts()


def get_workflow() -> Workflow:
    return Workflow()


StoreDep = Annotated[Store, Depends(get_store)]
ArtifactsDep = Annotated[Artifacts, Depends(get_artifacts)]
WorkflowDep = Annotated[Workflow, Depends(get_workflow)]
