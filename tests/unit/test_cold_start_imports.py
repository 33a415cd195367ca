"""What a cold start of an API function loads (scripts/cold_start_bench.py measures it): the Census
function's handler imports no NumPy, no Arrow, no census reader and no Studio config (its routes import
them on first use), nor do the analysis functions' handlers load NumPy, Arrow or the Studio config (their
routes import the run-table services on first use), and the engine's config models are built when first used (`defer_build`), not when
a handler imports them. A handler imports with the garbage collector paused, and what it imported is
frozen out of later collections."""

import gc
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

LOADED = """
import gc, importlib.util, json, sys
collections = []
gc.callbacks.append(lambda phase, info: phase == "start" and collections.append(info["generation"]))
spec = importlib.util.spec_from_file_location("app", "functions/{folder}/app.py")
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
config = sys.modules.get("planalign.domain.config")
built = config and config.SimulationConfig.__pydantic_complete__
collector = {{"enabled": gc.isenabled(), "frozen": gc.get_freeze_count(), "collections": len(collections)}}
print(json.dumps({{"modules": sorted(sys.modules), "config_built": built, "collector": collector}}))
"""


def _cold_start(folder: str) -> dict:
    output = subprocess.run(
        [sys.executable, "-c", LOADED.format(folder=folder)],
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT / "shared"), "PATH": "/usr/bin:/bin", "AWS_DEFAULT_REGION": "us-east-1"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def test_census_handler_starts_without_numpy_arrow_or_the_census_readers() -> None:
    loaded = set(_cold_start("census_api")["modules"])
    heavy = {
        "numpy",
        "pyarrow",
        "python_calamine",
        "planalign.domain.census",
        "planalign.domain.census_mapping",
        "planalign.domain.census_reader",
        "planalign.domain.census_analysis",
        "planalign.domain.compensation_solver",
        "planalign.domain.studio_config",
        "planalign.domain.config",
        "planalign.services.runs",
    }
    assert loaded & heavy == set()


@pytest.mark.parametrize("folder", ["analytics_api", "vesting_ndt_api", "runs_api", "workspaces_api"])
def test_api_handlers_start_without_numpy_arrow_or_the_studio_config(folder: str) -> None:
    loaded = set(_cold_start(folder)["modules"])
    heavy = {
        "numpy",
        "pyarrow",
        "planalign.adapters.run_tables",
        "planalign.domain.studio_config",
        "planalign.services.analytics",
        "planalign.services.vesting",
        "planalign.services.ndt",
        "planalign.services.evidence_pack",
    }
    assert loaded & heavy == set()


def test_config_models_are_built_on_first_use_not_at_import() -> None:
    loaded = _cold_start("system_api")  # it imports the config module: GET /api/config/defaults
    assert "planalign.domain.config" in loaded["modules"]
    assert loaded["config_built"] is False
    from planalign.domain.config import SimulationConfig, resolve_config

    assert SimulationConfig().simulation.start_year == resolve_config({}).simulation.start_year
    assert SimulationConfig.__pydantic_complete__


API_FOLDERS = ["system_api", "workspaces_api", "runs_api", "census_api", "analytics_api", "vesting_ndt_api"]


@pytest.mark.parametrize("folder", API_FOLDERS)
def test_a_handler_imports_with_the_collector_paused_then_frozen_out_of_it(folder: str) -> None:
    collector = _cold_start(folder)["collector"]
    assert collector["collections"] == 0  # about 140 without the pause
    assert collector["enabled"]
    assert collector["frozen"] > 50_000  # FastAPI, pydantic and the routes: out of every later collection


def test_the_paused_collector_comes_back_as_it_was() -> None:
    from planalign.api.cold_start import collector_paused

    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
        gc.unfreeze()  # this test process's objects: collectable again
