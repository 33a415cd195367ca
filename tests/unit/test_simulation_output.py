"""The simulation stage's artifact: output_to_bytes and output_from_bytes."""

import io
from dataclasses import replace

import numpy as np
import pytest
from planalign.domain.census_generator import generate_census
from planalign.domain.config import resolve_config
from planalign.domain.simulation import simulate
from planalign.domain.simulation_output import (
    ARRAY_ALIGNMENT,
    EVENT_COLUMNS,
    SNAPSHOT_COLUMNS,
    SimulationOutput,
    output_from_bytes,
    output_to_bytes,
)
from test_results import tiny_output


def projection() -> SimulationOutput:
    config = resolve_config({"simulation": {"start_year": 2025, "end_year": 2027}})
    return simulate(generate_census(300), config)


def assert_same(loaded: SimulationOutput, output: SimulationOutput) -> None:
    assert (loaded.start_year, loaded.end_year, loaded.seed) == (
        output.start_year,
        output.end_year,
        output.seed,
    )
    pairs = [(loaded.employee_ids, output.employee_ids)]
    pairs += [(loaded.snapshot[name], output.snapshot[name]) for name in SNAPSHOT_COLUMNS]
    pairs += [(loaded.events[name], output.events[name]) for name in EVENT_COLUMNS]
    for got, expected in pairs:
        assert got.dtype == expected.dtype
        np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("output", [tiny_output(), projection()], ids=["tiny", "projection"])
def test_the_artifact_gives_back_the_output(output: SimulationOutput):
    assert_same(output_from_bytes(output_to_bytes(output)), output)


def test_loaded_columns_are_aligned_read_only_views_of_the_artifact():
    data = output_to_bytes(projection())
    loaded = output_from_bytes(data)
    columns = [loaded.employee_ids, *loaded.snapshot.values(), *loaded.events.values()]
    start = np.frombuffer(data, dtype=np.uint8).ctypes.data
    for column in columns:
        assert not column.flags.owndata and not column.flags.writeable and column.flags.aligned
        assert (column.ctypes.data - start) % ARRAY_ALIGNMENT == 0
        assert np.shares_memory(column, np.frombuffer(data, dtype=np.uint8))


def owned(output: SimulationOutput) -> SimulationOutput:
    """The output with arrays of its own."""
    return replace(
        output,
        employee_ids=output.employee_ids.copy(),
        snapshot={name: values.copy() for name, values in output.snapshot.items()},
        events={name: values.copy() for name, values in output.events.items()},
    )


def test_a_simulated_output_lives_in_its_artifact():
    output = projection()
    data = output_to_bytes(output)
    assert output_to_bytes(output) is data
    assert all(
        np.shares_memory(values, np.frombuffer(data, dtype=np.uint8)) for values in output.snapshot.values()
    )
    assert data == output_to_bytes(owned(output))


def test_an_output_changed_after_the_simulation_gets_an_artifact_of_its_own():
    output = projection()
    data = output_to_bytes(output)
    reversed_pay = replace(output, snapshot={**output.snapshot, "pay": output.snapshot["pay"][::-1]})
    for changed in (reversed_pay, replace(output, seed=output.seed + 1)):
        assert output_to_bytes(changed) != data
        assert_same(output_from_bytes(output_to_bytes(changed)), changed)


def test_equal_outputs_give_byte_identical_artifacts():
    assert output_to_bytes(projection()) == output_to_bytes(projection())


def test_a_plain_npz_loads_too():
    output = replace(tiny_output(), employee_ids=np.array(["E1", "E2", "E3", "E4", "H1", "H2", "H3", "H40"]))
    buffer = io.BytesIO()
    columns = {f"snapshot.{name}": values for name, values in output.snapshot.items()}
    columns |= {f"events.{name}": values for name, values in output.events.items()}
    years = np.array([output.start_year, output.end_year, output.seed], dtype=np.int64)
    np.savez(buffer, employee_ids=output.employee_ids, years=years, **columns)
    assert_same(output_from_bytes(buffer.getvalue()), output)
    np.savez_compressed(buffer := io.BytesIO(), employee_ids=output.employee_ids, years=years, **columns)
    assert_same(output_from_bytes(buffer.getvalue()), output)
