"""Where a run's census comes from: a census file path names a dataset
(`datasets/{dataset_id}/{file}`), and a scenario's config may name one in
`setup.census_parquet_path`; without it a run takes the workspace's newest imported dataset."""

import re
from typing import Any

from planalign.adapters.store import Store
from planalign.errors import NotFound, RunConflict

FILE_PATH = re.compile(r"^datasets/(?P<dataset_id>ds_[0-9a-z]{22})/(?P<filename>[^/]+)$")


def file_path_of(dataset: dict[str, Any]) -> str:
    return f"datasets/{dataset['id']}/{dataset['filename']}"


def dataset_of_path(store: Store, tenant_id: str, workspace_id: str, file_path: str) -> dict[str, Any]:
    """The dataset a census file path names; NotFound for any other path or another workspace's."""
    match = FILE_PATH.match(file_path.strip())
    if match is None:
        raise NotFound(
            f"census file {file_path} not found: census files are datasets/{{dataset_id}}/{{name}}"
        )
    dataset = store.get("DS", match["dataset_id"], tenant_id)
    if dataset["workspace_id"] != workspace_id:
        raise NotFound(f"census file {file_path} not found")
    return dataset


def census_dataset_id(store: Store, workspace: dict[str, Any], studio_config: dict[str, Any]) -> str | None:
    """The dataset a run uses when none is named: the census the config names, if it is one of this
    workspace's imported datasets, else None (the workspace's newest applies)."""
    path = (studio_config.get("setup") or {}).get("census_parquet_path")
    if not isinstance(path, str) or not path:
        return None
    try:
        dataset = dataset_of_path(store, workspace["tenant_id"], workspace["id"], path)
    except NotFound:
        return None
    return str(dataset["id"]) if dataset["status"] != "failed" else None


def run_dataset_id(store: Store, workspace: dict[str, Any], studio_config: dict[str, Any]) -> str:
    """The census a run uses when none is named; RunConflict when the workspace has none yet."""
    named = census_dataset_id(store, workspace, studio_config)
    if named is not None:
        return named
    dataset_id: str | None = workspace.get("latest_dataset_id")
    if dataset_id is None:
        raise RunConflict("no census imported in this workspace yet: upload one first")
    return dataset_id
