"""Seed ensembles. Member 0 is the run's own simulation (the simulation stage, full output); members
1..N-1 run in the state machine's Distributed Map, each on its own seed (`member_seed`), and write
only their per-year metrics. The pipeline turns the N members' metrics into p5/p50/p95 bands."""

import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from planalign.adapters.artifacts import Artifacts, ensemble_items_key, member_metrics_key, run_prefix
from planalign.adapters.metering import in_this_context
from planalign.adapters.store import Store, key_of_run, partition, run_key
from planalign.domain.census import Census
from planalign.domain.config import resolve_config
from planalign.domain.results import RunTotals, compute_bands
from planalign.domain.run_state import EnsemblePlan, MemberDone, MemberInput
from planalign.domain.simulation import member_seed, simulate_years
from planalign.services.progress import RunProgress
from planalign.settings import get_settings

# S3 reads of the members' metrics in parallel: a 1,000-member ensemble is 999 small objects.
METRICS_READERS = 16
# Members finish in bursts; their progress reaches the run item (and so the WebSocket) at most
# this often. The last member's stage_completed always does.
MEMBER_PROGRESS_SECONDS = 0.25


def plan_members(artifacts: Artifacts, run_folder: str, members: int) -> EnsemblePlan:
    """What the state machine's IsEnsemble choice and Map read: the member count and, for an
    ensemble, the S3 key of the Map's item list and its concurrency."""
    if members <= 1:
        return EnsemblePlan(members=1, items_key=None, max_concurrency=0)
    key = ensemble_items_key(run_folder)
    items = [{"member": member} for member in range(1, members)]
    artifacts.put(key, json.dumps(items).encode(), "application/json")
    return EnsemblePlan(
        members=members, items_key=key, max_concurrency=get_settings().ensemble_max_concurrency
    )


def member_stage(store: Store, artifacts: Artifacts, event: dict[str, Any]) -> dict[str, Any]:
    """One Map item: simulate member k on its seed, store its per-year metrics, count it done."""
    state = MemberInput.model_validate(event)
    run = store.get("RUN", run_key(state.tenant_id, state.run_id), state.tenant_id)
    progress = RunProgress(store, run)
    config = resolve_config(run["config"])
    member = state.member
    seed = member_seed(config.simulation.random_seed, member)
    census = Census.from_bytes(artifacts.get(state.census_key))
    totals = RunTotals(config.simulation.start_year, config.simulation.end_year)
    for rows in simulate_years(census, config, seed=seed):
        totals.add_year(rows)
    metrics = totals.metrics()
    folder = run_prefix(run["tenant_id"], run["workspace_id"], run["id"])
    document = {"member": member, "seed": seed, "metrics": metrics}
    artifacts.put(member_metrics_key(folder, member), json.dumps(document).encode(), "application/json")
    # Member 0 (the simulation stage) is done before the Map starts. The finished members are a set
    # beside the run item, so a retried member counts once and the run item is written less.
    done = 1 + store.add_to_entry_set(partition("RUN", key_of_run(run)), "MEMBERS", "members", [member])
    members = config.ensemble.members
    progress.report(
        "simulation",
        done / members,
        f"ensemble member {member} simulated ({done}/{members})",
        min_interval=MEMBER_PROGRESS_SECONDS,
    )
    if done == members:
        progress.report(
            "simulation", 1.0, f"simulation completed: {members} ensemble members", kind="stage_completed"
        )
    return MemberDone(member=member).model_dump()


def ensemble_bands(
    artifacts: Artifacts, run_folder: str, base_metrics: list[dict[str, Any]], members: int
) -> dict[str, dict[str, dict[str, float]]]:
    """p5/p50/p95 per metric and year over member 0's metrics and the stored ones of members 1..N-1."""
    keys = [member_metrics_key(run_folder, member) for member in range(1, members)]
    with ThreadPoolExecutor(max_workers=METRICS_READERS) as pool:
        documents = list(pool.map(in_this_context(artifacts.get), keys))
    return compute_bands([base_metrics, *(json.loads(document)["metrics"] for document in documents)])
