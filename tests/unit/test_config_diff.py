"""The config diff of two scenarios: dotted paths, what counts as a change, and effective configs."""

from planalign.domain.studio_config import default_base_config, effective_studio_config, merge_studio_config
from planalign.services.config_diff import config_fingerprint, diff_configs


def test_differences_are_dotted_paths_sorted_with_only_a_and_only_b() -> None:
    a = {"simulation": {"seed": 1, "end_year": 2027}, "dc_plan": {"tiers": [1, 2]}, "name": "A"}
    b = {"simulation": {"seed": 2, "end_year": 2027}, "extra": {"x": 1}, "name": "B"}
    differences, unchanged = diff_configs(a, b)
    assert differences == [
        # A section one side lacks is one difference, at the section's path.
        {"path": "dc_plan", "a": {"tiers": [1, 2]}, "b": None, "status": "only_a"},
        {"path": "extra", "a": None, "b": {"x": 1}, "status": "only_b"},
        {"path": "simulation.seed", "a": 1, "b": 2, "status": "changed"},
    ]
    assert unchanged == 1  # simulation.end_year; names are cosmetic


def test_a_saved_form_at_its_defaults_differs_from_an_unsaved_scenario_only_where_it_changed() -> None:
    base = default_base_config()
    saved = effective_studio_config(merge_studio_config(base, {"simulation": {"target_growth_rate": 0.05}}))
    untouched = effective_studio_config(merge_studio_config(base, {}))
    differences, _ = diff_configs(saved, untouched)
    assert [(d["path"], d["a"], d["b"]) for d in differences] == [
        ("simulation.target_growth_rate", 0.05, 0.03)
    ]


def test_the_fingerprint_ignores_key_order_and_sees_any_value() -> None:
    assert config_fingerprint({"a": 1, "b": {"c": 2}}) == config_fingerprint({"b": {"c": 2}, "a": 1})
    assert config_fingerprint({"a": 1}) != config_fingerprint({"a": 2})
    assert len(config_fingerprint({})) == 12
