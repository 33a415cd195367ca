"""PlanAlign Studio's config dialect, the one the API accepts and returns, and its translation into the
engine's own `SimulationConfig` (`domain/config.py`). Nothing else reads Studio keys.

The dialect is a workspace `base_config` shaped like the reference engine's
`config/simulation_config.yaml` and scenario `config_overrides` as the Studio's Config Studio writes
them (`buildConfigPayload.ts`), plus our own `ensemble: {members}` and `irs_limits` (the engine's
section, for callers that set limits). Layers merge as the Studio's backend merges them
(`merge_studio_config`), are validated key by key (`validate_studio_layer`), and the merged config
is translated by `translate_studio_config`, which names every Studio setting the engine does not
model and that differs from the dialect's defaults.

Units: the form sends some values as percents (3.5) and others as fractions (0.035); `_DIRECT` says
which, key by key. Where a form key and a yaml key set the same thing, the form's key wins.
"""

import copy
import datetime
import functools
import itertools
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any, Final, Literal

from planalign.domain.config import (
    MAX_DEFERRAL_RATE,
    MAX_PROJECTION_YEARS,
    NAMED_MATCH_FORMULAS,
    CompensationSettings,
    SimulationConfig,
    resolve_config,
)
from planalign.domain.irs_limits import YearLimits
from planalign.errors import InvalidConfig

MAX_DEPTH: Final = 16
MAX_LIST_ITEMS: Final = 100
MAX_OBJECT_KEYS: Final = 200
MAX_KEY_LENGTH: Final = 100
MAX_TEXT_LENGTH: Final = 1000
MAX_NODES: Final = 20_000
MAX_REPORTED_ERRORS: Final = 20

# ---------------------------------------------------------------------------------------------
# The reference's defaults, as data
# ---------------------------------------------------------------------------------------------

# `config/simulation_config.yaml` of the reference at the pinned commit, as its backend serves it
# (`GET /api/config/defaults`, the base_config of a new workspace): JSON, so integer keys are strings.
_SIMULATION_CONFIG_YAML: Final[dict[str, Any]] = {
    "simulation": {"start_year": 2025, "end_year": 2029, "random_seed": 42, "target_growth_rate": 0.03},
    "setup": {
        "clear_tables": True,
        "clear_mode": "year",
        "clear_table_patterns": ["int_"],
        "load_seeds": True,
        "run_staging_models": True,
        "validate_results": False,
        "fail_on_validation_error": True,
        "census_parquet_path": "data/census_preprocessed.parquet",
        "plan_year_start_date": "2024-01-01",
        "plan_year_end_date": "2024-12-31",
        "eligibility_waiting_period_days": 30,
    },
    "workforce": {"total_termination_rate": 0.12, "new_hire_termination_rate": 0.25},
    "compensation": {
        "cola_rate": 0.02,
        "merit_budget": 0.035,
        "growth_target": 0.005,
        "growth_tolerance": 0.005,
        "calculation_methodology": "full_year_equivalent",
        "promotion_compensation": {
            "base_increase_pct": 0.2,
            "distribution_range": 0.05,
            "max_cap_pct": 0.3,
            "max_cap_amount": 500000,
            "distribution_type": "uniform",
            "advanced": {"normal_std_dev": 0.02},
        },
    },
    "new_hire_compensation": {
        "strategy": "percentile_based",
        "percentile_strategy": {
            "default_percentile": 0.3,
            "level_overrides": {"1": 0.3, "2": 0.4, "3": 0.5, "4": 0.65, "5": 0.7},
            "variance_enabled": True,
            "variance_std_dev": 0.05,
        },
        "market_adjustments": {
            "enabled": True,
            "base_adjustment": 1.0,
            "level_adjustments": {"1": 1.02, "2": 1.0, "3": 0.98, "4": 1.05, "5": 1.1},
            "scenarios": {"conservative": 0.92, "baseline": 1.0, "competitive": 1.05, "aggressive": 1.15},
        },
        "validation": {
            "min_percentile": 0.2,
            "max_percentile": 0.9,
            "min_market_adjustment": 0.8,
            "max_market_adjustment": 1.3,
        },
        "custom_distribution": {
            "enabled": False,
            "distribution_type": "beta",
            "parameters": {"alpha": 2.0, "beta": 5.0, "min_percentile": 0.25, "max_percentile": 0.85},
        },
    },
    "raise_timing": {
        "methodology": "realistic",
        "distribution_profile": "general_corporate",
        "validation_tolerance": 0.02,
        "deterministic_behavior": True,
    },
    "plan_year": {
        "start_date": "2024-01-01",
        "end_date": "2024-12-31",
        "annualization_method": "calendar_days",
    },
    "eligibility": {
        "waiting_period_days": 0,
        "new_hire_ineligible_pct": 0.0,
        "new_hire_eligibility_match_census": False,
    },
    "plan_eligibility": {"waiting_period_days": 0, "minimum_age": 21},
    "enrollment": {
        "auto_enrollment": {
            "enabled": True,
            "window_days": 45,
            "default_deferral_rate": 0.02,
            "opt_out_grace_period": 30,
            "scope": "new_hires_only",
            "hire_date_cutoff": "2020-01-01",
            "opt_out_rates": {
                "by_age": {"young": 0.1, "mid_career": 0.07, "mature": 0.05, "senior": 0.03},
                "by_income": {"low_income": 1.2, "moderate": 1.0, "high": 0.7, "executive": 0.5},
            },
            "plan_overrides": {
                "emergency_plan": {"enabled": False, "window_days": 30},
                "executive_plan": {"enabled": True, "window_days": 60, "default_deferral_rate": 0.1},
            },
        },
        "proactive_enrollment": {
            "enabled": True,
            "timing_window": {"min_days": 7, "max_days": 35},
            "probability_by_demographics": {
                "young": 0.25,
                "mid_career": 0.45,
                "mature": 0.65,
                "senior": 0.75,
            },
            "timing_distribution": {"immediate": 0.2, "early": 0.3, "mid": 0.3, "late": 0.2},
        },
        "voluntary_enrollment": {
            "enabled": True,
            "annual_enrollment_probability": 0.6,
            "base_rates_by_age": {"young": 0.3, "mid_career": 0.55, "mature": 0.7, "senior": 0.8},
            "income_multipliers": {"low": 0.7, "moderate": 1.0, "high": 1.15, "executive": 1.25},
            "job_level_multipliers": {"individual": 0.9, "senior": 1.0, "manager": 1.1, "executive": 1.2},
            "deferral_rates": {
                "match_optimization": True,
                "demographic_base_rates": {
                    "young_low": 0.03,
                    "young_moderate": 0.03,
                    "young_high": 0.04,
                    "young_executive": 0.06,
                    "mid_career_low": 0.04,
                    "mid_career_moderate": 0.06,
                    "mid_career_high": 0.08,
                    "mid_career_executive": 0.1,
                    "mature_low": 0.05,
                    "mature_moderate": 0.08,
                    "mature_high": 0.1,
                    "mature_executive": 0.12,
                    "senior_low": 0.06,
                    "senior_moderate": 0.1,
                    "senior_high": 0.12,
                    "senior_executive": 0.15,
                },
            },
            "demographic_adjustments": {
                "age_factor_per_year": 0.01,
                "tenure_factor_per_year": 0.05,
                "salary_factor_high_earner": 0.15,
            },
            "timing_distribution": {
                "open_enrollment_period": 0.7,
                "mid_year_life_events": 0.2,
                "new_hire_immediate": 0.1,
            },
        },
        "year_over_year_conversion": {
            "enabled": True,
            "base_rates_by_age": {"young": 0.03, "mid_career": 0.05, "mature": 0.07, "senior": 0.08},
            "income_multipliers": {"low_income": 0.8, "moderate": 1.0, "high": 1.2, "executive": 1.3},
            "tenure_multipliers": {"new_employee": 0.7, "established": 1.0, "veteran": 1.1},
            "timing": {"enrollment_month": 6, "enrollment_day": 15},
            "deferral_rates": {
                "conservative": True,
                "young": 0.03,
                "mid_career": 0.04,
                "mature": 0.05,
                "senior": 0.06,
            },
        },
        "timing": {
            "processing_frequency": "monthly",
            "proactive_cutoff_before_auto": 10,
            "deterministic_timing": True,
            "business_day_adjustment": True,
            "holiday_calendar": "us_federal",
        },
        "multi_year": {
            "preserve_enrollment_state": True,
            "cross_year_eligibility_tracking": True,
            "enrollment_anniversary_processing": True,
            "re_enrollment_after_termination": True,
        },
        "performance": {
            "batch_processing_size": 10000,
            "enable_parallel_processing": True,
            "cache_demographic_calculations": True,
            "materialization_strategy": "incremental",
        },
    },
    "employee_id_generation": {
        "baseline_format": "hybrid",
        "new_hire_format": "hash_based",
        "enable_cross_validation": True,
        "migration_mode": False,
        "batch_generation": True,
    },
    "employer_match": {
        "active_formula": "simple_match",
        "apply_eligibility": True,
        "eligibility": {
            "minimum_tenure_years": 0,
            "require_active_at_year_end": True,
            "minimum_hours_annual": 1000,
            "allow_new_hires": True,
            "allow_terminated_new_hires": False,
            "allow_experienced_terminations": False,
        },
        "formulas": {
            "simple_match": {
                "name": "Simple Match",
                "type": "simple",
                "match_rate": 0.5,
                "max_match_percentage": 0.06,
            },
            "tiered_match": {
                "name": "Tiered Match",
                "type": "tiered",
                "tiers": [
                    {"tier": 1, "employee_min": 0.0, "employee_max": 0.03, "match_rate": 1.0},
                    {"tier": 2, "employee_min": 0.03, "employee_max": 0.05, "match_rate": 0.5},
                ],
                "max_match_percentage": 0.04,
            },
            "stretch_match": {
                "name": "Stretch Match (Encourages Higher Deferrals)",
                "type": "tiered",
                "tiers": [{"tier": 1, "employee_min": 0.0, "employee_max": 0.12, "match_rate": 0.25}],
                "max_match_percentage": 0.03,
            },
            "enhanced_tiered": {
                "name": "Enhanced Tiered Match",
                "type": "tiered",
                "tiers": [
                    {"tier": 1, "employee_min": 0.0, "employee_max": 0.03, "match_rate": 1.0},
                    {"tier": 2, "employee_min": 0.03, "employee_max": 0.05, "match_rate": 0.5},
                ],
                "max_match_percentage": 0.04,
            },
            "safe_harbor_basic": {
                "name": "Safe Harbor Basic Match",
                "type": "safe_harbor",
                "tiers": [
                    {"tier": 1, "employee_min": 0.0, "employee_max": 0.03, "match_rate": 1.0},
                    {"tier": 2, "employee_min": 0.03, "employee_max": 0.05, "match_rate": 0.5},
                ],
                "max_match_percentage": 0.04,
                "immediate_vesting": True,
            },
            "qaca_safe_harbor": {
                "name": "QACA Safe Harbor Match",
                "type": "qaca",
                "tiers": [
                    {"tier": 1, "employee_min": 0.0, "employee_max": 0.01, "match_rate": 1.0},
                    {"tier": 2, "employee_min": 0.01, "employee_max": 0.06, "match_rate": 0.5},
                ],
                "max_match_percentage": 0.035,
                "vesting_schedule": "qaca_2_year",
            },
        },
    },
    "employer_core_contribution": {
        "enabled": True,
        "contribution_rate": 0.01,
        "status": "flat",
        "graded_schedule": [
            {"service_years_min": 0, "service_years_max": 2, "contribution_rate": 0.01},
            {"service_years_min": 3, "service_years_max": 5, "contribution_rate": 0.02},
            {"service_years_min": 6, "service_years_max": None, "contribution_rate": 0.03},
        ],
        "integration": {"enabled": False, "level_mode": "ss_wage_base", "disparity_rate": 0.0},
        "eligibility": {
            "minimum_tenure_years": 0,
            "require_active_at_year_end": True,
            "minimum_hours_annual": 1000,
            "allow_new_hires": True,
            "allow_terminated_new_hires": False,
            "allow_experienced_terminations": False,
        },
    },
    "optimization": {
        "level": "baseline",
        "max_workers": 1,
        "batch_size": 1000,
        "memory_limit_gb": 4.0,
        "e068c_threading": {"dbt_threads": 1, "event_shards": 1, "max_parallel_years": 1},
        "event_generation": {
            "mode": "polars",
            "polars": {
                "enabled": True,
                "max_threads": 16,
                "batch_size": 10000,
                "output_path": "data/parquet/events",
                "enable_compression": True,
                "enable_profiling": False,
                "fallback_on_error": True,
                "validate_results": True,
                "target_runtime_seconds": 60,
                "target_throughput_events_per_second": 1000,
                "memory_limit_gb": 8.0,
                "enable_lazy_evaluation": True,
                "use_cohort_engine": True,
                "cohort_output_dir": "outputs/polars_cohorts",
                "state_accumulation_enabled": True,
                "state_accumulation_fallback_on_error": True,
                "state_accumulation_validate_results": True,
            },
            "sql": {"dbt_threads": 1, "use_event_sharding": False},
        },
    },
    "orchestrator": {
        "threading": {
            "enabled": False,
            "thread_count": 1,
            "mode": "selective",
            "memory_per_thread_gb": 2.0,
            "parallelization": {
                "enabled": False,
                "max_workers": 4,
                "memory_limit_mb": 6000.0,
                "deterministic_execution": True,
                "resource_monitoring": True,
                "enable_conditional_parallelization": True,
                "safety": {
                    "fallback_on_resource_pressure": True,
                    "validate_execution_safety": True,
                    "abort_on_dependency_conflict": True,
                    "max_retries_per_model": 2,
                },
            },
            "resource_management": {
                "enabled": True,
                "memory_monitoring": {
                    "enabled": True,
                    "monitoring_interval_seconds": 5,
                    "history_size": 100,
                    "thresholds": {
                        "moderate_mb": 2048,
                        "high_mb": 3072,
                        "critical_mb": 4096,
                        "gc_trigger_mb": 2560,
                        "fallback_trigger_mb": 3584,
                    },
                },
                "cpu_monitoring": {
                    "enabled": True,
                    "monitoring_interval_seconds": 5,
                    "history_size": 50,
                    "thresholds": {"moderate_percent": 70, "high_percent": 85, "critical_percent": 95},
                },
                "adaptive_scaling_enabled": True,
                "min_threads": 1,
                "max_threads": 8,
                "adjustment_cooldown_seconds": 30,
                "benchmarking_enabled": True,
                "benchmark_thread_counts": [1, 2, 4, 6, 8],
                "auto_cleanup_enabled": True,
                "cleanup_threshold_mb": 2500.0,
            },
        },
        "adaptive_memory": {
            "enabled": True,
            "monitoring_interval_seconds": 1.0,
            "history_size": 100,
            "thresholds": {
                "moderate_mb": 2000.0,
                "high_mb": 3000.0,
                "critical_mb": 3500.0,
                "gc_trigger_mb": 2500.0,
                "fallback_trigger_mb": 3200.0,
            },
            "batch_sizes": {"low": 250, "medium": 500, "high": 1000, "fallback": 100},
            "auto_gc_enabled": True,
            "fallback_enabled": True,
            "profiling_enabled": False,
            "recommendation_window_minutes": 5,
            "min_samples_for_recommendation": 10,
            "leak_detection_enabled": True,
            "leak_threshold_mb": 800.0,
            "leak_window_minutes": 15,
        },
    },
    "multi_year": {
        "performance": {
            "enable_state_compression": True,
            "enable_concurrent_processing": True,
            "enable_parallel_dbt": True,
            "cache_workforce_snapshots": True,
        },
        "state": {
            "enable_checkpointing": False,
            "checkpoint_frequency": 0,
            "preserve_intermediate_states": False,
            "compression_level": 6,
        },
        "resume": {"enable_resume": True, "auto_resume_on_failure": False, "cleanup_on_success": True},
        "error_handling": {
            "fail_fast": False,
            "max_retries": 3,
            "retry_delay_seconds": 5,
            "validation_mode": "strict",
        },
        "transition": {
            "strategy": "optimized",
            "batch_workforce_updates": True,
            "optimize_event_processing": True,
        },
        "monitoring": {
            "enable_performance_monitoring": True,
            "enable_progress_reporting": True,
            "log_level": "INFO",
            "enable_memory_profiling": False,
        },
    },
    "deferral_match_response": {
        "enabled": True,
        "upward_participation_rate": 0.4,
        "upward_maximize_rate": 0.6,
        "upward_partial_increase_rate": 0.4,
        "upward_partial_increase_factor": 0.5,
        "downward_enabled": True,
        "downward_participation_rate": 0.15,
        "downward_reduce_to_max_rate": 0.7,
        "downward_partial_decrease_rate": 0.3,
        "downward_partial_decrease_factor": 0.5,
        "effective_timing": "first_year",
    },
    "deferral_auto_escalation": {
        "enabled": True,
        "effective_day": "01-01",
        "increment_amount": 0.01,
        "maximum_rate": 0.1,
        "hire_date_cutoff": "2020-01-01",
        "require_active_enrollment": True,
        "first_escalation_delay_years": 1,
    },
    "deferral_baseline": {"mode": "frozen"},
    "deferral_rates": {
        "use_census_rates": True,
        "census_rate_field": "employee_deferral_rate",
        "pre_enrolled_fallback": 0.03,
        "plan_deferral_cap": 0.75,
        "normalize_percentages": True,
        "generate_synthetic_events": True,
    },
    "corporate_network": {
        "enabled": True,
        "auto_detect_proxy": True,
        "proxy": {
            "http_proxy": None,
            "https_proxy": None,
            "no_proxy": ["localhost", "127.0.0.1", "*.local"],
            "username": None,
            "password": None,
            "use_system_auth": True,
            "proxy_timeout": 30,
            "proxy_retries": 3,
        },
        "certificates": {
            "ca_bundle_path": None,
            "verify_ssl": True,
            "allow_self_signed": False,
            "hostname_verification": True,
            "check_certificate_chain": True,
            "max_chain_depth": 10,
        },
        "timeouts": {
            "connection_timeout": 30,
            "read_timeout": 60,
            "total_timeout": 300,
            "dagster_health_timeout": 5,
            "dbt_command_timeout": 1800,
            "database_timeout": 60,
            "max_retries": 3,
            "retry_delay": 1.0,
            "retry_backoff": 2.0,
            "max_retry_delay": 30.0,
        },
        "performance": {
            "enable_connection_pooling": True,
            "max_pool_connections": 10,
            "pool_timeout": 30,
            "enable_gzip": True,
            "chunk_size": 8192,
            "buffer_size": 65536,
            "rate_limiting": False,
            "max_bandwidth_mbps": None,
            "keep_alive": True,
            "keep_alive_timeout": 30,
        },
        "corporate_domains": ["company.com", "corp.local"],
        "vpn_detection": True,
        "connectivity_check": True,
        "test_endpoints": ["https://httpbin.org/get", "https://www.google.com", "https://github.com"],
    },
    "ops": {
        "run_multi_year_simulation": {
            "config": {
                "start_year": 2025,
                "end_year": 2029,
                "target_growth_rate": 0.03,
                "total_termination_rate": 0.12,
                "new_hire_termination_rate": 0.25,
                "random_seed": 42,
                "full_refresh": False,
            }
        }
    },
    "storage": {"max_runs_per_scenario": 3},
}

# What the reference's merge adds when a config lacks them: its CSV seeds (dbt/seeds/config_*.csv)
# for promotion hazards and age / tenure bands, and its fallbacks for the two employer sections.
_SEED_SECTIONS: Final[dict[str, Any]] = {
    "promotion_hazard": {
        "base_rate": 0.04,
        "level_dampener_factor": 0.15,
        "age_multipliers": [
            {"age_band": band, "multiplier": multiplier}
            for band, multiplier in (
                ("< 25", 1.6),
                ("25-34", 1.4),
                ("35-44", 1.1),
                ("45-54", 0.7),
                ("55-64", 0.3),
                ("65+", 0.1),
            )
        ],
        "tenure_multipliers": [
            {"tenure_band": band, "multiplier": multiplier}
            for band, multiplier in (("< 2", 0.5), ("2-4", 1.5), ("5-9", 1.8), ("10-19", 0.8), ("20+", 0.2))
        ],
    },
    "age_bands": [
        {"band_id": i, "band_label": label, "min_value": low, "max_value": high, "display_order": i}
        for i, (label, low, high) in enumerate(
            (
                ("< 25", 0, 25),
                ("25-34", 25, 35),
                ("35-44", 35, 45),
                ("45-54", 45, 55),
                ("55-64", 55, 65),
                ("65+", 65, 999),
            ),
            1,
        )
    ],
    "tenure_bands": [
        {"band_id": i, "band_label": label, "min_value": low, "max_value": high, "display_order": i}
        for i, (label, low, high) in enumerate(
            (("< 2", 0, 2), ("2-4", 2, 5), ("5-9", 5, 10), ("10-19", 10, 20), ("20+", 20, 999)), 1
        )
    ],
}
_MERGE_FALLBACKS: Final[dict[str, Any]] = {
    "employer_match": {
        "active_formula": "simple_match",
        "formulas": {
            "simple_match": {
                "name": "Simple Match",
                "type": "simple",
                "match_rate": 0.50,
                "max_match_percentage": 0.06,
            },
        },
    },
    "employer_core_contribution": {"enabled": True, "status": "flat", "contribution_rate": 0.03},
}

# The Studio's opt-out sensitivity by age and income (buildConfigPayload.ts, and the reference engine
# for a target set in yaml): each rate is the target times this.
_OPT_OUT_BY_AGE: Final = {"young": 1.8, "mid": 1.1, "mature": 0.7, "senior": 0.4}
_OPT_OUT_BY_INCOME: Final = {"low_income": 1.3, "moderate": 1.0, "high": 0.8, "executive": 0.5}
_REFERENCE_OPT_OUT_TARGET: Final = 0.09

# Keys the reference engine's typed config models know that the yaml leaves out or comments out,
# with the models' defaults.
_REFERENCE_MODEL_DEFAULTS: Final[dict[str, Any]] = {
    "compensation": {
        "promotion_increase": 0.125,
        "promotion_budget": 0.015,
        "promotion_distribution_range": 0.05,
        "promotion_rate_multiplier": 1.0,
    },
    "enrollment": {
        "auto_enrollment": {"opt_out_rates": {"target": _REFERENCE_OPT_OUT_TARGET}},
        "match_magnet": {"enabled": True, "snap_probability": 0.45, "max_deferral_rate": 0.10},
    },
    "employer_match": {
        "employer_match_status": "deferral_based",
        "tenure_match_tiers": [],
        "points_match_tiers": [],
        "tenure_graded_bands": [],
    },
    "employer_core_contribution": {"points_schedule": [], "age_schedule": []},
}


def _studio_form_defaults() -> dict[str, Any]:
    """What buildConfigPayload.ts writes for the Config Studio's default form (DEFAULT_FORM_DATA),
    except the simulation name and years, which follow today's date, and the census path."""
    opt_out_target = 9 / 100
    match_tiers = [
        {"employee_min": 0.0, "employee_max": 0.03, "match_rate": 1.0},
        {"employee_min": 0.03, "employee_max": 0.05, "match_rate": 0.5},
    ]
    return {
        "workforce": {"part_time_new_hire_pct": 0.0},
        "compensation": {
            "target_compensation_growth_percent": 5.0,
            "merit_budget_percent": 3.5,
            "cola_rate_percent": 2.0,
            "promotion_increase_percent": 12.5,
            "promotion_distribution_range_percent": 5.0,
            "promotion_budget_percent": 1.5,
            "promotion_rate_multiplier": 1.0,
        },
        "new_hire": {
            "strategy": "percentile",
            "target_percentile": 50,
            "compensation_variance_percent": 5.0,
            "age_distribution": [
                {"age": age, "weight": weight}
                for age, weight in (
                    (22, 0.05),
                    (25, 0.15),
                    (28, 0.20),
                    (32, 0.25),
                    (35, 0.15),
                    (40, 0.10),
                    (45, 0.08),
                    (50, 0.02),
                )
            ],
            "level_distribution_mode": "adaptive",
            "level_distribution": [
                {"level": level, "percentage": percent / 100}
                for level, percent in ((1, 50), (2, 25), (3, 15), (4, 8), (5, 2))
            ],
            "job_level_compensation": [
                {"level": level, "name": name, "min_compensation": low, "max_compensation": high}
                for level, name, low, high in (
                    (1, "Staff", 56000, 80000),
                    (2, "Manager", 81000, 120000),
                    (3, "Sr Manager", 121000, 160000),
                    (4, "Director", 161000, 300000),
                    (5, "VP", 275000, 500000),
                )
            ],
            "market_scenario": "baseline",
            "level_market_adjustments": [{"level": level, "adjustment_percent": 0} for level in range(1, 6)],
        },
        "dc_plan": {
            "eligibility_months": 3,
            "auto_enroll": True,
            "default_deferral_percent": 3.0,
            "auto_enroll_window_days": 45,
            "auto_enroll_opt_out_grace_period": 30,
            "auto_enroll_scope": "new_hires_only",
            "auto_enroll_hire_date_cutoff": "2020-01-01",
            "opt_out_rate_target": opt_out_target,
            "voluntary_enrollment_rate": 30 / 100,
            "match_magnet_enabled": True,
            "match_magnet_probability": 45 / 100,
            "max_voluntary_deferral_percent": 10 / 100,
            "deferral_match_response": {
                "enabled": True,
                "upward_participation_rate": 40 / 100,
                "downward_enabled": True,
                "downward_participation_rate": 5 / 100,
            },
            **{f"opt_out_rate_{band}": opt_out_target * factor for band, factor in _OPT_OUT_BY_AGE.items()},
            **{
                f"opt_out_rate_{band}": opt_out_target * factor for band, factor in _OPT_OUT_BY_INCOME.items()
            },
            "match_enabled": True,
            "match_template": "tiered",
            "match_tiers": match_tiers,
            "match_cap_percent": 0.04,
            "match_status": "deferral_based",
            "tenure_match_tiers": [],
            "points_match_tiers": [],
            "tenure_graded_bands": [],
            "match_min_tenure_years": 0,
            "match_require_year_end_active": True,
            "match_min_hours_annual": 1000,
            "match_allow_terminated_new_hires": False,
            "match_allow_experienced_terminations": False,
            "core_enabled": True,
            "core_status": "flat",
            "core_contribution_rate_percent": 1.0,
            "core_graded_schedule": [
                {"service_years_min": low, "service_years_max": high, "contribution_rate": rate}
                for low, high, rate in ((0, 2, 0.01), (3, 5, 0.02), (6, None, 0.03))
            ],
            "core_points_schedule": [
                {"min_points": low, "max_points": high, "contribution_rate": rate}
                for low, high, rate in ((0, 40, 0.01), (40, 75, 0.02), (75, None, 0.03))
            ],
            "core_age_schedule": [
                {"min_age": low, "max_age": high, "contribution_rate": rate}
                for low, high, rate in ((0, 30, 0.03), (30, 40, 0.04), (40, 50, 0.05), (50, None, 0.06))
            ],
            "core_integration_enabled": False,
            "core_integration_level_mode": "ss_wage_base",
            "core_integration_level_value": None,
            "core_integration_disparity_rate": 0.0,
            "core_min_tenure_years": 0,
            "core_require_year_end_active": True,
            "core_min_hours_annual": 1000,
            "core_allow_terminated_new_hires": False,
            "core_allow_experienced_terminations": False,
            "auto_escalation": True,
            "escalation_rate_percent": 1.0,
            "escalation_cap_percent": 10.0,
            "escalation_effective_day": "01-01",
            "escalation_delay_years": 1,
            "escalation_hire_date_cutoff": "",
        },
        "advanced": {
            "engine": "sql",
            "enable_multithreading": True,
            "checkpoint_frequency": "year",
            "memory_limit_gb": 4.0,
            "log_level": "INFO",
            "strict_validation": True,
        },
    }


def studio_defaults() -> dict[str, Any]:
    """What the reference backend answers to `GET /api/config/defaults`: its simulation_config.yaml."""
    return copy.deepcopy(_SIMULATION_CONFIG_YAML)


def default_base_config() -> dict[str, Any]:
    """The base_config of a workspace created without one (the reference treats `{}` and null alike):
    the same yaml as `studio_defaults()`."""
    return copy.deepcopy(_SIMULATION_CONFIG_YAML)


# ---------------------------------------------------------------------------------------------
# Merge
# ---------------------------------------------------------------------------------------------

# Sections a layer replaces whole: a promotion hazard or band set is only meaningful complete.
_ATOMIC_SECTIONS: Final = frozenset({"promotion_hazard", "age_bands", "tenure_bands"})

# The Studio's match template and the yaml formula the reference's merge names after it.
_TEMPLATE_ACTIVE_FORMULAS: Final = {
    "simple": "simple_match",
    "tiered": "tiered_match",
    "stretch": "stretch_match",
    "safe_harbor": "safe_harbor_basic",
    "qaca": "qaca_safe_harbor",
}


def merge_studio_config(base: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """The merged config of a scenario, as the reference's `_merge_config` makes it (and `GET
    .../config` returns it).

    `overrides` goes key by key into the objects of `base`; anything else, lists included, and the
    atomic sections (promotion_hazard, age_bands, tenure_bands) replace what base has. Then:
    `employer_match.active_formula` follows `dc_plan.match_template` when base has employer_match;
    `deferral_match_response` becomes the yaml's section updated with the Studio's
    `dc_plan.deferral_match_response`, enabled unless said otherwise; the employer sections and the
    seed sections that are still missing get the reference's fallbacks. The inputs are not changed.
    """
    for layer, what in ((base, "base_config"), (overrides, "config_overrides")):
        if not isinstance(layer, dict):
            raise InvalidConfig(f"{what}: must be an object (got {_shown(layer)})")
        _check_size(layer, what)
    merged = copy.deepcopy(base)
    _merge_into(merged, overrides)
    dc_plan = merged.get("dc_plan")
    template = dc_plan.get("match_template") if isinstance(dc_plan, dict) else None
    if isinstance(template, str) and template and isinstance(merged.get("employer_match"), dict):
        merged["employer_match"]["active_formula"] = _TEMPLATE_ACTIVE_FORMULAS.get(template, template)
    response = merged.get("deferral_match_response")
    resolved = dict(response) if isinstance(response, dict) else {}
    studio_response = dc_plan.get("deferral_match_response") if isinstance(dc_plan, dict) else None
    if isinstance(studio_response, dict):
        resolved.update(studio_response)
    resolved.setdefault("enabled", True)
    merged["deferral_match_response"] = resolved
    # The reference adds these after naming the active formula, so a fallback keeps "simple_match".
    for key, section in itertools.chain(_MERGE_FALLBACKS.items(), _SEED_SECTIONS.items()):
        merged.setdefault(key, copy.deepcopy(section))
    return merged


def _merge_into(merged: dict[str, Any], overrides: dict[str, Any]) -> None:
    for key, value in overrides.items():
        if key not in _ATOMIC_SECTIONS and isinstance(value, dict) and isinstance(merged.get(key), dict):
            _merge_into(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)


# ---------------------------------------------------------------------------------------------
# The dialect's shape
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Scalar:
    """One JSON value; `any` is any scalar (the yaml's nulls say nothing of their type)."""

    kind: Literal["number", "integer", "boolean", "string", "any"]
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    nullable: bool = False
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Items:
    item: "_Shape"


@dataclass(frozen=True)
class _Record:
    fields: dict[str, "_Shape"]
    required: frozenset[str] = frozenset()


@dataclass(frozen=True)
class _Table:
    """An object with free keys (formula names, job levels) and values of one shape."""

    value: "_Shape"
    key_pattern: str = r"[A-Za-z0-9_ .+<>-]{1,100}"


_Shape = _Scalar | _Items | _Record | _Table


def _number(
    low: float | None = 0,
    high: float | None = None,
    *,
    low_open: bool = False,
    high_open: bool = False,
    nullable: bool = False,
) -> _Scalar:
    return _Scalar("number", low, high, low_open, high_open, nullable)


def _integer(low: int, high: int) -> _Scalar:
    return _Scalar("integer", low, high)


def _choice(*options: str) -> _Scalar:
    return _Scalar("string", choices=options)


def _rows(**fields: _Shape) -> _Items:
    """A list of objects that each carry every one of `fields`, as the Studio writes its tables."""
    return _Items(_Record(dict(fields), required=frozenset(fields)))


_FLAG: Final = _Scalar("boolean")
_TEXT: Final = _Scalar("string")
_OPTIONAL_TEXT: Final = _Scalar("string", nullable=True)
_FRACTION: Final = _number(0, 1)
_PERCENT: Final = _number(0, 100)
_YEAR: Final = _integer(2000, 2200)
_HOURS: Final = _number(0, 8784)
_MATCH_RATE: Final = _number(0, 2)  # the form allows up to 200 % of a deferral slice
_MATCH_STATUSES: Final = (
    "deferral_based",
    "graded_by_service",
    "tenure_graded",
    "points_based",
    "tenure_based",
)
_CORE_STATUSES: Final = ("flat", "graded_by_service", "points_based", "age_banded", "none")
_MARKET_SCENARIO_NAMES: Final = ("conservative", "baseline", "competitive", "aggressive")
_DEFERRAL_TIERS: Final = _rows(employee_min=_FRACTION, employee_max=_FRACTION, match_rate=_MATCH_RATE)
# Tenure and points tiers: the Studio writes fractions, the yaml's examples percents; the reference
# reads both, so the bounds admit both.
_TENURE_TIERS: Final = _rows(
    min_years=_number(),
    max_years=_number(nullable=True),
    match_rate=_number(0, 200),
    max_deferral_pct=_PERCENT,
)
_POINTS_TIERS: Final = _rows(
    min_points=_number(),
    max_points=_number(nullable=True),
    match_rate=_number(0, 200),
    max_deferral_pct=_PERCENT,
)
_TENURE_GRADED_BANDS: Final = _rows(
    min_years=_number(), max_years=_number(nullable=True), tiers=_DEFERRAL_TIERS
)
_CORE_GRADED: Final = _rows(
    service_years_min=_number(), service_years_max=_number(nullable=True), contribution_rate=_FRACTION
)
_CORE_POINTS: Final = _rows(
    min_points=_number(), max_points=_number(nullable=True), contribution_rate=_FRACTION
)
_CORE_AGES: Final = _rows(
    min_age=_number(0, 120), max_age=_number(0, 999, nullable=True), contribution_rate=_FRACTION
)
_BANDS: Final = _rows(
    band_id=_integer(0, 1000),
    band_label=_TEXT,
    min_value=_number(),
    max_value=_number(),
    display_order=_integer(0, 1000),
)

# Bounds and shapes that the defaults alone cannot tell: everything the translation reads, every
# table whose default is empty, and the keys of the reference's models that the yaml comments out.
# The rest of the dialect's shape is read off its defaults (`_infer`): a number there is a number
# >= 0, a string a string, and so on.
_EXPLICIT_SHAPES: Final[dict[str, _Shape]] = {
    "simulation.name": _TEXT,
    "simulation.start_year": _YEAR,
    "simulation.end_year": _YEAR,
    "simulation.random_seed": _integer(0, 2**63 - 1),
    "simulation.target_growth_rate": _number(-1, 1),
    "workforce.total_termination_rate": _FRACTION,
    # Hires are solved as net / (1 - rate), so a rate of 1 has no solution.
    "workforce.new_hire_termination_rate": _number(0, 1, high_open=True),
    "workforce.part_time_new_hire_pct": _FRACTION,
    "compensation.cola_rate": _FRACTION,
    "compensation.merit_budget": _FRACTION,
    "compensation.promotion_increase": _FRACTION,
    "compensation.promotion_budget": _FRACTION,
    "compensation.promotion_distribution_range": _FRACTION,
    "compensation.promotion_rate_multiplier": _number(0, 5),
    "compensation.cola_rate_percent": _PERCENT,
    "compensation.merit_budget_percent": _PERCENT,
    "compensation.promotion_increase_percent": _PERCENT,
    "compensation.promotion_distribution_range_percent": _PERCENT,
    "compensation.promotion_budget_percent": _PERCENT,
    "compensation.target_compensation_growth_percent": _number(-100, 100),
    "compensation.promotion_compensation.base_increase_pct": _FRACTION,
    "compensation.promotion_compensation.distribution_range": _number(0, 0.2),
    "compensation.promotion_compensation.max_cap_pct": _FRACTION,
    "compensation.promotion_compensation.level_overrides": _Table(_FRACTION, r"\d{1,3}"),
    "compensation.promotion_compensation.advanced.normal_std_dev": _number(0, 0.2),
    "compensation.promotion_compensation.advanced.market_adjustments": _Table(_number()),
    "new_hire.target_percentile": _PERCENT,
    "new_hire.strategy": _choice("percentile", "fixed"),
    "new_hire.market_scenario": _choice(*_MARKET_SCENARIO_NAMES),
    "new_hire.level_distribution_mode": _choice("adaptive", "fixed"),
    "new_hire.compensation_variance_percent": _PERCENT,
    "new_hire.age_distribution": _rows(age=_number(0, 120), weight=_FRACTION),
    "new_hire.level_distribution": _rows(level=_integer(1, 100), percentage=_FRACTION),
    "new_hire.job_level_compensation": _rows(
        level=_integer(1, 100), name=_TEXT, min_compensation=_number(), max_compensation=_number()
    ),
    "new_hire.level_market_adjustments": _rows(level=_integer(1, 100), adjustment_percent=_number(-100, 100)),
    "eligibility.waiting_period_days": _integer(0, 36500),
    "eligibility.new_hire_ineligible_pct": _FRACTION,
    "plan_eligibility.minimum_age": _integer(0, 100),
    "plan_eligibility.waiting_period_days": _integer(0, 36500),
    # Enrolled means a deferral rate above 0, so the engine cannot auto-enrol at 0.
    "enrollment.auto_enrollment.default_deferral_rate": _number(0, 0.75, low_open=True),
    "enrollment.auto_enrollment.scope": _choice("new_hires_only", "all_eligible_employees", "all_eligible"),
    "enrollment.auto_enrollment.hire_date_cutoff": _OPTIONAL_TEXT,
    "enrollment.auto_enrollment.window_days": _integer(0, 366),
    "enrollment.auto_enrollment.opt_out_grace_period": _integer(0, 366),
    "enrollment.auto_enrollment.opt_out_rates.target": _FRACTION,
    "enrollment.auto_enrollment.voluntary_enrollment_rate": _number(0, 1, nullable=True),
    "enrollment.auto_enrollment.plan_overrides": _Table(
        _Record({"enabled": _FLAG, "window_days": _number(), "default_deferral_rate": _FRACTION})
    ),
    "enrollment.proactive_enrollment.probability_by_demographics": _Record(
        {band: _FRACTION for band in ("young", "mid_career", "mature", "senior")}
    ),
    "enrollment.match_magnet": _Record(
        {"enabled": _FLAG, "snap_probability": _FRACTION, "max_deferral_rate": _number(0.01, 1)}
    ),
    "employer_match.formulas": _Table(
        _Record(
            {
                "name": _TEXT,
                "type": _TEXT,
                "match_rate": _MATCH_RATE,
                "max_match_percentage": _MATCH_RATE,
                "tiers": _Items(
                    _Record(
                        {
                            "tier": _integer(0, 100),
                            "employee_min": _FRACTION,
                            "employee_max": _FRACTION,
                            "match_rate": _MATCH_RATE,
                        }
                    )
                ),
                "immediate_vesting": _FLAG,
                "vesting_schedule": _TEXT,
            }
        )
    ),
    "employer_match.eligibility.minimum_hours_annual": _HOURS,
    "employer_match.eligibility.minimum_tenure_years": _number(0, 100),
    "employer_match.employer_match_status": _choice(*_MATCH_STATUSES),
    "employer_match.tenure_match_tiers": _TENURE_TIERS,
    "employer_match.points_match_tiers": _POINTS_TIERS,
    "employer_match.tenure_graded_bands": _TENURE_GRADED_BANDS,
    "employer_core_contribution.contribution_rate": _FRACTION,
    "employer_core_contribution.status": _choice(*_CORE_STATUSES),
    "employer_core_contribution.graded_schedule": _CORE_GRADED,
    "employer_core_contribution.points_schedule": _CORE_POINTS,
    "employer_core_contribution.age_schedule": _CORE_AGES,
    "employer_core_contribution.integration": _Record(
        {
            "enabled": _FLAG,
            "level_mode": _choice("ss_wage_base", "percent_of_ss_wage_base", "fixed_dollar"),
            "level_value": _number(nullable=True),
            "disparity_rate": _FRACTION,
        }
    ),
    "employer_core_contribution.eligibility.minimum_hours_annual": _HOURS,
    "employer_core_contribution.eligibility.minimum_tenure_years": _number(0, 100),
    "deferral_auto_escalation.increment_amount": _number(0, 0.75),
    "deferral_auto_escalation.maximum_rate": _number(0, 0.75),
    "deferral_auto_escalation.first_escalation_delay_years": _integer(0, 50),
    "deferral_auto_escalation.hire_date_cutoff": _OPTIONAL_TEXT,
    **{
        f"deferral_match_response.{key}": _FRACTION
        for key in (
            "upward_participation_rate",
            "upward_maximize_rate",
            "upward_partial_increase_rate",
            "upward_partial_increase_factor",
            "downward_participation_rate",
            "downward_reduce_to_max_rate",
            "downward_partial_decrease_rate",
            "downward_partial_decrease_factor",
        )
    },
    "deferral_rates.pre_enrolled_fallback": _FRACTION,
    "deferral_rates.plan_deferral_cap": _FRACTION,
    "dc_plan.eligibility_months": _integer(0, 120),
    "dc_plan.auto_enroll_window_days": _integer(0, 366),
    "dc_plan.auto_enroll_opt_out_grace_period": _integer(0, 366),
    "dc_plan.auto_enroll_hire_date_cutoff": _OPTIONAL_TEXT,
    "dc_plan.escalation_hire_date_cutoff": _OPTIONAL_TEXT,
    "dc_plan.escalation_effective_day": _TEXT,
    "dc_plan.default_deferral_percent": _number(0, 75),
    "dc_plan.auto_enroll_scope": _choice("new_hires_only", "all_eligible", "all_eligible_employees"),
    "dc_plan.opt_out_rate_target": _FRACTION,
    "dc_plan.voluntary_enrollment_rate": _FRACTION,
    "dc_plan.match_magnet_probability": _FRACTION,
    "dc_plan.max_voluntary_deferral_percent": _FRACTION,  # a fraction despite its name
    "dc_plan.deferral_match_response": _Record(
        {
            "enabled": _FLAG,
            "upward_participation_rate": _FRACTION,
            "downward_enabled": _FLAG,
            "downward_participation_rate": _FRACTION,
        }
    ),
    # The target times a sensitivity of up to 1.8: above 1 only means "everyone" to the reference.
    **{f"dc_plan.opt_out_rate_{band}": _number(0, 2) for band in (*_OPT_OUT_BY_AGE, *_OPT_OUT_BY_INCOME)},
    "dc_plan.match_template": _choice(*_TEMPLATE_ACTIVE_FORMULAS),
    "dc_plan.match_tiers": _DEFERRAL_TIERS,
    "dc_plan.match_cap_percent": _MATCH_RATE,  # a fraction of pay despite its name
    "dc_plan.match_status": _choice(*_MATCH_STATUSES),
    "dc_plan.tenure_match_tiers": _TENURE_TIERS,
    "dc_plan.points_match_tiers": _POINTS_TIERS,
    "dc_plan.tenure_graded_bands": _TENURE_GRADED_BANDS,
    "dc_plan.match_min_tenure_years": _number(0, 100),
    "dc_plan.match_min_hours_annual": _HOURS,
    "dc_plan.core_status": _choice(*_CORE_STATUSES),
    "dc_plan.core_contribution_rate_percent": _PERCENT,
    "dc_plan.core_graded_schedule": _CORE_GRADED,
    "dc_plan.core_points_schedule": _CORE_POINTS,
    "dc_plan.core_age_schedule": _CORE_AGES,
    "dc_plan.core_integration_level_mode": _choice("ss_wage_base", "percent_of_ss_wage_base", "fixed_dollar"),
    "dc_plan.core_integration_level_value": _number(nullable=True),
    "dc_plan.core_integration_disparity_rate": _FRACTION,
    "dc_plan.core_min_tenure_years": _number(0, 100),
    "dc_plan.core_min_hours_annual": _HOURS,
    # The engine escalates and caps deferrals within 75 %.
    "dc_plan.escalation_rate_percent": _number(0, 75),
    "dc_plan.escalation_cap_percent": _number(0, 75),
    "dc_plan.escalation_delay_years": _integer(0, 50),
    "data_sources": _Record({"census_parquet_path": _TEXT}),
    "promotion_hazard": _Record(
        {
            "base_rate": _FRACTION,
            "level_dampener_factor": _FRACTION,
            "age_multipliers": _rows(age_band=_TEXT, multiplier=_number()),
            "tenure_multipliers": _rows(tenure_band=_TEXT, multiplier=_number()),
        },
        required=frozenset({"base_rate", "level_dampener_factor", "age_multipliers", "tenure_multipliers"}),
    ),
    "age_bands": _BANDS,
    "tenure_bands": _BANDS,
    # Ours, beside the Studio's keys.
    "ensemble": _Record({"members": _integer(1, 1000)}),
    "irs_limits": _Record(
        {
            "deferral_402g": _number(),
            "catch_up_50_plus": _number(),
            "compensation_401a17": _number(0, low_open=True),
            "annual_additions_415c": _number(),
            "limit_growth_rate": _FRACTION,
        }
    ),
}


def _infer(value: Any) -> _Shape:
    """The shape of a default value: what the dialect accepts where nothing more precise is said."""
    if isinstance(value, bool):
        return _FLAG
    if isinstance(value, int | float):
        return _number()
    if isinstance(value, str):
        return _TEXT
    if value is None:
        return _Scalar("any", nullable=True)
    if isinstance(value, list):
        if value and all(isinstance(row, dict) for row in value):
            return _Items(_infer_row(value))
        return _Items(_infer(value[0]) if value else _Scalar("any"))
    if value and all(re.fullmatch(r"\d+", key) for key in value):
        return _Table(_infer(next(iter(value.values()))), r"\d{1,3}")
    return _Record({key: _infer(item) for key, item in value.items()})


def _infer_row(rows: list[dict[str, Any]]) -> _Record:
    """One record shape for a list of objects; a field that some row leaves null may be null."""
    fields: dict[str, _Shape] = {}
    for key in dict.fromkeys(key for row in rows for key in row):
        values = [row[key] for row in rows if key in row]
        known = [item for item in values if item is not None]
        shape = _infer(known[0]) if known else _Scalar("any", nullable=True)
        if isinstance(shape, _Scalar) and None in values:
            shape = replace(shape, nullable=True)
        fields[key] = shape
    return _Record(fields)


def _place(schema: _Record, path: str, shape: _Shape) -> None:
    *parents, name = path.split(".")
    record = schema
    for part in parents:
        child = record.fields.get(part)
        if not isinstance(child, _Record):
            child = _Record({})
            record.fields[part] = child
        record = child
    record.fields[name] = shape


# ---------------------------------------------------------------------------------------------
# What the engine models: the Studio's keys in three kinds
# ---------------------------------------------------------------------------------------------

_Convert = Callable[[Any], Any]


def _percent(value: Any) -> float:
    return float(value) / 100


def _months_as_days(value: Any) -> int:
    return int(value) * 30  # the reference's own conversion


def _scope(value: Any) -> str:
    return "all_eligible" if value in ("all_eligible", "all_eligible_employees") else "new_hires_only"


# Engine setting <- the Studio keys that set it, the first one present winning, with the conversion
# into the engine's unit (`_percent`: the key holds a percent like 3.5, the engine a fraction).
_DIRECT: Final[dict[str, tuple[tuple[str, _Convert], ...]]] = {
    "simulation.start_year": (("simulation.start_year", int),),
    "simulation.end_year": (("simulation.end_year", int),),
    "simulation.random_seed": (("simulation.random_seed", int),),
    "workforce.target_growth_rate": (("simulation.target_growth_rate", float),),
    "workforce.total_termination_rate": (("workforce.total_termination_rate", float),),
    "workforce.new_hire_termination_rate": (("workforce.new_hire_termination_rate", float),),
    "compensation.merit_budget": (
        ("compensation.merit_budget_percent", _percent),
        ("compensation.merit_budget", float),
    ),
    "compensation.cola_rate": (
        ("compensation.cola_rate_percent", _percent),
        ("compensation.cola_rate", float),
    ),
    "new_hires.part_time_share": (("workforce.part_time_new_hire_pct", float),),
    "eligibility.minimum_age": (("plan_eligibility.minimum_age", int),),
    "eligibility.waiting_period_days": (
        ("dc_plan.eligibility_months", _months_as_days),
        ("plan_eligibility.waiting_period_days", int),
        ("eligibility.waiting_period_days", int),
    ),
    "auto_enrollment.enabled": (("dc_plan.auto_enroll", bool), ("enrollment.auto_enrollment.enabled", bool)),
    "auto_enrollment.scope": (
        ("dc_plan.auto_enroll_scope", _scope),
        ("enrollment.auto_enrollment.scope", _scope),
    ),
    "auto_enrollment.default_deferral_rate": (
        ("dc_plan.default_deferral_percent", _percent),
        ("enrollment.auto_enrollment.default_deferral_rate", float),
    ),
    "auto_enrollment.window_days": (
        ("dc_plan.auto_enroll_window_days", int),
        ("enrollment.auto_enrollment.window_days", int),
    ),
    "auto_enrollment.opt_out_grace_days": (
        ("dc_plan.auto_enroll_opt_out_grace_period", int),
        ("enrollment.auto_enrollment.opt_out_grace_period", int),
    ),
    "voluntary.enrollment_scale": (
        ("dc_plan.voluntary_enrollment_rate", float),
        ("enrollment.auto_enrollment.voluntary_enrollment_rate", float),
    ),
    "auto_escalation.enabled": (
        ("dc_plan.auto_escalation", bool),
        ("deferral_auto_escalation.enabled", bool),
    ),
    "auto_escalation.increment": (
        ("dc_plan.escalation_rate_percent", _percent),
        ("deferral_auto_escalation.increment_amount", float),
    ),
    "auto_escalation.cap": (
        ("dc_plan.escalation_cap_percent", _percent),
        ("deferral_auto_escalation.maximum_rate", float),
    ),
    "auto_escalation.first_after_years": (
        ("dc_plan.escalation_delay_years", int),
        ("deferral_auto_escalation.first_escalation_delay_years", int),
    ),
    "auto_escalation.effective_day": (
        ("dc_plan.escalation_effective_day", str),
        ("deferral_auto_escalation.effective_day", str),
    ),
    **{
        f"match_response.{ours}": ((f"deferral_match_response.{theirs}", convert),)
        for ours, theirs, convert in (
            ("enabled", "enabled", bool),
            ("upward_participation_rate", "upward_participation_rate", float),
            ("upward_maximize_rate", "upward_maximize_rate", float),
            ("upward_partial_factor", "upward_partial_increase_factor", float),
            ("downward_enabled", "downward_enabled", bool),
            ("downward_participation_rate", "downward_participation_rate", float),
            ("downward_reduce_to_max_rate", "downward_reduce_to_max_rate", float),
            ("downward_partial_factor", "downward_partial_decrease_factor", float),
        )
    },
    "core_contribution.rate": (
        ("dc_plan.core_contribution_rate_percent", _percent),
        ("employer_core_contribution.contribution_rate", float),
    ),
    **{
        f"irs_limits.{key}": ((f"irs_limits.{key}", float),)
        for key in (
            "deferral_402g",
            "catch_up_50_plus",
            "compensation_401a17",
            "annual_additions_415c",
            "limit_growth_rate",
        )
    },
    "ensemble.members": (("ensemble.members", int),),
}

# Engine settings where the reference's own default differs from the engine's, for configs that
# leave their Studio keys out.
_REFERENCE_DEFAULTS: Final[dict[str, Any]] = {
    "auto_enrollment.window_days": 45,
    "auto_enrollment.opt_out_grace_days": 30,
}
_PROMOTION_RAISE: Final = "compensation.promotion_raise"
_OPT_OUT_BANDS: Final = {"young": "under_30", "mid": "30_44", "mature": "45_59", "senior": "60_plus"}
_MATCH: Final = "employer_match.formula and tiers"
_MATCH_SCHEDULES: Final = ("tenure_match_tiers", "points_match_tiers", "tenure_graded_bands")
_CORE_ON: Final = "core_contribution.enabled"

_MATCH_ELIGIBILITY_KEYS: Final = tuple(
    f"dc_plan.match_{key}"
    for key in (
        "min_tenure_years",
        "require_year_end_active",
        "min_hours_annual",
        "allow_terminated_new_hires",
        "allow_experienced_terminations",
    )
)


_CORE_BASES: Final = {"graded_by_service": "service", "points_based": "points", "age_banded": "age"}
_CORE_SCHEDULES: Final = {
    "service": ("core_graded_schedule", "graded_schedule", "service_years_min", None),
    "points": ("core_points_schedule", "points_schedule", "min_points", None),
    "age": ("core_age_schedule", "age_schedule", "min_age", "max_age"),
}


# Every Studio key the engine models, with the engine setting it drives. Keys read by several
# settings' rules are translated by the functions below the tables, the rest by `_DIRECT`.
MODELLED_KEYS: Final[Mapping[str, str]] = {
    **{source: setting for setting, sources in _DIRECT.items() for source, _ in sources},
    # A Studio value of 12.5 % (the form's default) or 0.125 means "the yaml's base_increase_pct",
    # as in the reference.
    "compensation.promotion_increase_percent": _PROMOTION_RAISE,
    "compensation.promotion_increase": _PROMOTION_RAISE,
    "compensation.promotion_compensation.base_increase_pct": _PROMOTION_RAISE,
    "compensation.promotion_rate_multiplier": (
        "compensation.promotion_hazard.rate_multiplier (without a hazard: promotion_rates times it, at most 1)"
    ),
    **dict.fromkeys(
        (
            "compensation.promotion_distribution_range_percent",
            "compensation.promotion_distribution_range",
            "compensation.promotion_compensation.distribution_range",
        ),
        "compensation.promotion_raise_spread",
    ),
    **dict.fromkeys(("promotion_hazard", "age_bands", "tenure_bands"), "compensation.promotion_hazard"),
    **dict.fromkeys(
        ("new_hire.strategy", "new_hire.target_percentile", "new_hire.compensation_variance_percent"),
        "new_hires.pay_percentile and pay_variance",
    ),
    "new_hire.age_distribution": "new_hires.age_distribution",
    **dict.fromkeys(
        ("new_hire.level_distribution_mode", "new_hire.level_distribution"), "new_hires.level_shares"
    ),
    "new_hire.job_level_compensation": "new_hires.pay_bands",
    "new_hire.market_scenario": "new_hires.market_adjustment",
    "new_hire.level_market_adjustments": "new_hires.level_adjustments",
    **{
        f"dc_plan.opt_out_rate_{band}": f"auto_enrollment.opt_out_rates.{ours}"
        for band, ours in _OPT_OUT_BANDS.items()
    },
    "dc_plan.opt_out_rate_target": "auto_enrollment.opt_out_rates (the target times 1.8, 1.1, 0.7, 0.4)",
    "enrollment.auto_enrollment.opt_out_rates.target": "auto_enrollment.opt_out_rates (as above)",
    **dict.fromkeys(
        (
            "enrollment.voluntary_enrollment.base_rates_by_age",
            "enrollment.voluntary_enrollment.income_multipliers",
            "enrollment.voluntary_enrollment.job_level_multipliers",
        ),
        "voluntary.enrollment_by_age, income_factors and level_factors",
    ),
    "enrollment.proactive_enrollment.enabled": "voluntary.hire_year_chances (2 when on)",
    **dict.fromkeys(
        (
            f"enrollment.year_over_year_conversion.{key}"
            for key in (
                "enabled",
                "base_rates_by_age",
                "income_multipliers",
                "tenure_multipliers",
                "deferral_rates",
            )
        ),
        "voluntary.conversion",
    ),
    "dc_plan.match_enabled": _MATCH,
    "dc_plan.match_template": _MATCH,
    "dc_plan.match_tiers": _MATCH,
    "dc_plan.match_cap_percent": "employer_match.cap",
    **dict.fromkeys(
        (
            "dc_plan.match_status",
            "employer_match.employer_match_status",
            *(f"{section}.{key}" for section in ("dc_plan", "employer_match") for key in _MATCH_SCHEDULES),
        ),
        "employer_match.basis and bands",
    ),
    **dict.fromkeys(
        (
            *(key for key in _MATCH_ELIGIBILITY_KEYS if key != "dc_plan.match_require_year_end_active"),
            "employer_match.eligibility",
            "employer_match.apply_eligibility",
        ),
        "employer_match eligibility (hours, service, leavers)",
    ),
    **dict.fromkeys(("dc_plan.core_enabled", "employer_core_contribution.enabled"), _CORE_ON),
    **dict.fromkeys(
        (
            "dc_plan.core_status",
            "employer_core_contribution.status",
            *(f"dc_plan.{form}" for form, *_ in _CORE_SCHEDULES.values()),
            *(f"employer_core_contribution.{yaml}" for _, yaml, *_ in _CORE_SCHEDULES.values()),
        ),
        "core_contribution.basis and schedule",
    ),
    **dict.fromkeys(
        (
            *(
                f"dc_plan.core_integration_{key}"
                for key in ("enabled", "level_mode", "level_value", "disparity_rate")
            ),
            "employer_core_contribution.integration",
        ),
        "core_contribution.integration",
    ),
    **dict.fromkeys(
        (
            *(
                f"dc_plan.core_{key}"
                for key in (
                    "min_tenure_years",
                    "min_hours_annual",
                    "allow_terminated_new_hires",
                    "allow_experienced_terminations",
                )
            ),
            "employer_core_contribution.eligibility",
        ),
        "core_contribution eligibility (hours, service, leavers)",
    ),
    **dict.fromkeys(
        ("dc_plan.auto_enroll_hire_date_cutoff", "enrollment.auto_enrollment.hire_date_cutoff"),
        "auto_enrollment.hire_date_cutoff",
    ),
    **dict.fromkeys(
        (f"dc_plan.opt_out_rate_{band}" for band in _OPT_OUT_BY_INCOME),
        "auto_enrollment.opt_out_income_factors (each rate over the moderate one)",
    ),
    **dict.fromkeys(
        (
            "dc_plan.match_magnet_enabled",
            "dc_plan.match_magnet_probability",
            "enrollment.match_magnet.enabled",
            "enrollment.match_magnet.snap_probability",
        ),
        "voluntary.match_magnet_probability",
    ),
    "enrollment.voluntary_enrollment.deferral_rates.demographic_base_rates": "voluntary.deferral_rates",
    **dict.fromkeys(
        ("dc_plan.max_voluntary_deferral_percent", "enrollment.match_magnet.max_deferral_rate"),
        "voluntary.max_deferral_rate",
    ),
    **dict.fromkeys(
        ("dc_plan.escalation_hire_date_cutoff", "deferral_auto_escalation.hire_date_cutoff"),
        "auto_escalation.hire_date_cutoff",
    ),
    "dc_plan.deferral_match_response": "match_response (merged into deferral_match_response)",
}

# Studio keys (a key names every key under it) that change the reference engine's numbers but not
# ours yet: a run whose config moves one of them off the dialect's default gets a warning naming it.
NOT_MODELLED_KEYS: Final[tuple[str, ...]] = (
    "compensation.promotion_compensation",
    "compensation.growth_target",
    "compensation.growth_tolerance",
    "raise_timing",
    "plan_year",
    "setup.plan_year_start_date",
    "setup.plan_year_end_date",
    "setup.eligibility_waiting_period_days",
    "eligibility.new_hire_ineligible_pct",
    "eligibility.new_hire_eligibility_match_census",
    "enrollment",
    "employer_match",
    "employer_core_contribution",
    "deferral_match_response",
    "deferral_auto_escalation",
    "deferral_baseline",
    "deferral_rates",
    "dc_plan",
)

# Keys that change no number of the reference engine either: names, how the reference runs
# (threads, memory, logging, proxies, its database), what only the Studio's own tools read, and keys
# the reference's loader drops (opt-out by_age / by_income: only a target reaches its engine).
INERT_KEYS: Final[tuple[str, ...]] = (
    "simulation.name",
    "setup",
    "data_sources",
    "advanced",
    "compensation.target_compensation_growth_percent",
    "compensation.promotion_budget_percent",
    "compensation.promotion_budget",
    "compensation.calculation_methodology",
    "enrollment.auto_enrollment.opt_out_rates.by_age",
    "enrollment.auto_enrollment.opt_out_rates.by_income",
    "enrollment.auto_enrollment.plan_overrides",
    "enrollment.performance",
    # The reference computes the match from dc_plan.match_tiers or its tiered default, never these.
    "employer_match.active_formula",
    "employer_match.formulas",
    # The reference drops leavers from match and core unless their kind is allowed, whatever these say.
    "dc_plan.match_require_year_end_active",
    "dc_plan.core_require_year_end_active",
    "employer_match.eligibility.require_active_at_year_end",
    "employer_core_contribution.eligibility.require_active_at_year_end",
    # The reference's match response moves a partial share of 1 - the maximize rate, in the first year
    # only; escalation never raises a rate of 0, enrolled or not.
    "deferral_match_response.upward_partial_increase_rate",
    "deferral_match_response.downward_partial_decrease_rate",
    "deferral_match_response.effective_timing",
    "deferral_auto_escalation.require_active_enrollment",
    # The reference's engine reads none of these (its proactive enrollment uses the voluntary base rates;
    # its new-hire offers come from the job levels and its seeds); the Studio's new_hire keys are modelled.
    "enrollment.proactive_enrollment.probability_by_demographics",
    # Its conversion's date is fixed in its SQL (June 15) and `conservative` is read by nothing.
    "enrollment.year_over_year_conversion.timing",
    "enrollment.year_over_year_conversion.deferral_rates.conservative",
    "new_hire_compensation",
    "employee_id_generation",
    "optimization",
    "orchestrator",
    "multi_year",
    "corporate_network",
    "ops",
    "storage",
)

_INERT: Final = frozenset(INERT_KEYS)
_NOT_MODELLED_SET: Final = frozenset(NOT_MODELLED_KEYS)


@dataclass(frozen=True)
class _Dialect:
    shape: _Record
    # The yaml (with the seed sections and the keys of the reference's models), and that yaml under
    # the Studio's default form, as the Studio saves it: a key equal to its value in either is at
    # its default.
    defaults: tuple[dict[str, Any], ...]
    not_modelled: tuple[str, ...]


@functools.cache
def _dialect() -> _Dialect:
    """Built on first use, so that importing this module (every API function does) stays cheap."""
    yaml_like = copy.deepcopy(_SIMULATION_CONFIG_YAML)
    _merge_into(yaml_like, _REFERENCE_MODEL_DEFAULTS)
    _merge_into(yaml_like, _SEED_SECTIONS)
    studio_like = merge_studio_config(yaml_like, _studio_form_defaults())
    shape = _infer(studio_like)
    assert isinstance(shape, _Record)
    for path, explicit in _EXPLICIT_SHAPES.items():
        _place(shape, path, explicit)
    not_modelled = tuple(path for path in _terminal_paths(shape) if _kind_of(path) in (None, "not modelled"))
    return _Dialect(shape, (yaml_like, studio_like), not_modelled)


# ---------------------------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------------------------

_Path = tuple[str | int, ...]


def validate_studio_layer(layer: dict[str, Any], *, what: str) -> None:
    """Raise InvalidConfig unless `layer` (a base_config, config_overrides or merged config, named
    `what` in messages about the whole) is in the dialect: known keys, the right types, values in
    range, start_year <= end_year. Messages name the path (`dc_plan.match_tierz: unknown key`)."""
    if not isinstance(layer, dict):
        raise InvalidConfig(f"{what}: must be an object (got {_shown(layer)})")
    _check_size(layer, what)
    errors: list[str] = []
    _check_shape(layer, _dialect().shape, (), errors)
    if not errors:
        errors.extend(_relation_errors(layer))
    if errors:
        shown = errors[:MAX_REPORTED_ERRORS]
        more = len(errors) - len(shown)
        raise InvalidConfig("; ".join(shown) + (f"; and {more} more" if more > 0 else ""))


def _check_size(value: Any, what: str) -> None:
    """Refuse, without recursion, input too deep, too long or too big to be a config."""
    stack: list[tuple[Any, _Path]] = [(value, ())]
    nodes = 0
    while stack:
        node, path = stack.pop()
        nodes += 1
        if nodes > MAX_NODES:
            raise InvalidConfig(f"{what}: more than {MAX_NODES} values")
        if isinstance(node, str) and len(node) > MAX_TEXT_LENGTH:
            raise InvalidConfig(f"{_render(path, what)}: longer than {MAX_TEXT_LENGTH} characters")
        if not isinstance(node, dict | list):
            continue
        if len(path) >= MAX_DEPTH:
            raise InvalidConfig(f"{_render(path, what)}: nested deeper than {MAX_DEPTH} levels")
        if isinstance(node, list):
            if len(node) > MAX_LIST_ITEMS:
                raise InvalidConfig(f"{_render(path, what)}: {len(node)} items, at most {MAX_LIST_ITEMS}")
            stack.extend((item, (*path, index)) for index, item in enumerate(node))
            continue
        if len(node) > MAX_OBJECT_KEYS:
            raise InvalidConfig(f"{_render(path, what)}: {len(node)} keys, at most {MAX_OBJECT_KEYS}")
        for key, item in node.items():
            if not isinstance(key, str) or len(key) > MAX_KEY_LENGTH:
                raise InvalidConfig(
                    f"{_render(path, what)}: keys must be strings of at most {MAX_KEY_LENGTH} characters"
                )
            stack.append((item, (*path, key)))


def _check_shape(value: Any, shape: _Shape, path: _Path, errors: list[str]) -> None:
    """Append what is wrong with `value` against `shape`; the recursion follows the shape, whose
    depth is fixed, never the input."""
    where = _render(path, "config")
    if isinstance(shape, _Scalar):
        problem = _scalar_problem(value, shape)
        if problem:
            errors.append(f"{where}: {problem}")
    elif isinstance(shape, _Items):
        if not isinstance(value, list):
            errors.append(f"{where}: must be a list (got {_shown(value)})")
            return
        for index, item in enumerate(value):
            _check_shape(item, shape.item, (*path, index), errors)
    elif not isinstance(value, dict):
        errors.append(f"{where}: must be an object (got {_shown(value)})")
    elif isinstance(shape, _Table):
        for key, item in value.items():
            if re.fullmatch(shape.key_pattern, key):
                _check_shape(item, shape.value, (*path, key), errors)
            else:
                errors.append(f"{_render((*path, key), 'config')}: not a valid key here")
    else:
        for key, item in value.items():
            if key in shape.fields:
                _check_shape(item, shape.fields[key], (*path, key), errors)
            else:
                errors.append(f"{_render((*path, key), 'config')}: unknown key")
        errors.extend(
            f"{_render((*path, key), 'config')}: required" for key in sorted(shape.required - set(value))
        )


_KIND_NAMES: Final = {
    "number": "a number",
    "integer": "a whole number",
    "boolean": "true or false",
    "string": "a string",
    "any": "a single value",
}


def _scalar_problem(value: Any, shape: _Scalar) -> str | None:
    if value is None:
        return None if shape.nullable else f"must be {_KIND_NAMES[shape.kind]} (got null)"
    if shape.kind == "any":
        return (
            None
            if isinstance(value, str | int | float | bool)
            else f"must be a single value (got {_shown(value)})"
        )
    if shape.kind == "boolean":
        return None if isinstance(value, bool) else f"must be true or false (got {_shown(value)})"
    if shape.kind == "string":
        if not isinstance(value, str):
            return f"must be a string (got {_shown(value)})"
        if shape.choices and value not in shape.choices:
            return f"{_shown(value)} is not one of {', '.join(map(_shown, shape.choices))}"
        return None
    is_number = isinstance(value, int | float) and not isinstance(value, bool)
    if not is_number or not math.isfinite(value):
        return f"must be {_KIND_NAMES[shape.kind]} (got {_shown(value)})"
    if shape.kind == "integer" and not float(value).is_integer():
        return f"must be a whole number (got {_shown(value)})"
    if shape.low is not None and (value <= shape.low if shape.low_open else value < shape.low):
        return f"{_shown(value)} {'must be above' if shape.low_open else 'is below'} {_shown(shape.low)}"
    if shape.high is not None and (value >= shape.high if shape.high_open else value > shape.high):
        return f"{_shown(value)} {'must be below' if shape.high_open else 'is above'} {_shown(shape.high)}"
    return None


def _relation_errors(config: dict[str, Any]) -> list[str]:
    """What the shape cannot say: keys that must agree with each other (types already checked)."""
    errors: list[str] = []
    start, end = _lookup(config, "simulation.start_year"), _lookup(config, "simulation.end_year")
    if start is not _MISSING and end is not _MISSING:
        if start > end:
            errors.append(f"simulation.start_year: {_shown(start)} is after end_year {_shown(end)}")
        elif end - start >= MAX_PROJECTION_YEARS:
            errors.append(
                f"simulation.end_year: {_shown(end)} is more than {MAX_PROJECTION_YEARS - 1} years after start_year"
            )
    tiers = _lookup(config, "dc_plan.match_tiers")
    for index, tier in enumerate(tiers if isinstance(tiers, list) else []):
        if tier["employee_min"] > tier["employee_max"]:
            errors.append(
                f"dc_plan.match_tiers[{index}]: employee_min {_shown(tier['employee_min'])} "
                f"is above employee_max {_shown(tier['employee_max'])}"
            )
    for path in _DATE_KEYS:
        value = _lookup(config, path)
        if isinstance(value, str) and value.strip() and not _is_date(value.strip()):
            errors.append(f"{path}: {_shown(value)} is not a date as YYYY-MM-DD")
    for path in ("dc_plan.escalation_effective_day", "deferral_auto_escalation.effective_day"):
        value = _lookup(config, path)
        if isinstance(value, str) and not _is_day_of_year(value):
            errors.append(f"{path}: {_shown(value)} is not a day of the year as MM-DD")
    bands = _lookup(config, "dc_plan.tenure_graded_bands")
    for index, band in enumerate(bands if isinstance(bands, list) else []):
        for tier_index, tier in enumerate(band["tiers"]):
            if tier["employee_min"] > tier["employee_max"]:
                errors.append(
                    f"dc_plan.tenure_graded_bands[{index}].tiers[{tier_index}]: employee_min "
                    f"{_shown(tier['employee_min'])} is above employee_max {_shown(tier['employee_max'])}"
                )
    rows = _lookup(config, "new_hire.job_level_compensation")
    for index, row in enumerate(rows if isinstance(rows, list) else []):
        if row["min_compensation"] > row["max_compensation"]:
            errors.append(
                f"new_hire.job_level_compensation[{index}]: min_compensation {_shown(row['min_compensation'])} "
                f"is above max_compensation {_shown(row['max_compensation'])}"
            )
    for section in ("age_bands", "tenure_bands"):
        bands = config.get(section)
        for index, band in enumerate(bands if isinstance(bands, list) else []):
            if band["max_value"] <= band["min_value"]:
                errors.append(
                    f"{section}[{index}]: max_value {_shown(band['max_value'])} is not above min_value"
                )
    return errors


_DATE_KEYS: Final = (
    "dc_plan.auto_enroll_hire_date_cutoff",
    "enrollment.auto_enrollment.hire_date_cutoff",
    "dc_plan.escalation_hire_date_cutoff",
    "deferral_auto_escalation.hire_date_cutoff",
)


def _is_date(text: str) -> bool:
    try:
        datetime.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _is_day_of_year(text: str) -> bool:
    """MM-DD of a common year (Feb 29 has no day in most years)."""
    return re.fullmatch(r"\d\d-\d\d", text) is not None and _is_date(f"2023-{text}")


def _render(path: _Path, what: str) -> str:
    """A path as the messages show it: `dc_plan.match_tiers[0].match_rate`."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            name = part if len(part) <= 40 else part[:40] + "..."
            text += f".{name}" if text else name
    return text or what


def _shown(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return "true" if value is True else "false" if value is False else "null"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        text = value if len(value) <= 40 else value[:40] + "..."
        return f'"{text}"'
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


# ---------------------------------------------------------------------------------------------
# Translation into the engine's config
# ---------------------------------------------------------------------------------------------

_MISSING: Final[Any] = object()
_NOT_MODELLED: Final = "is not modelled yet and was ignored"
# The named formulas of the engine that the Studio's templates stand for.
_TEMPLATE_FORMULAS: Final = {
    "simple": "simple",
    "tiered": "tiered",
    "stretch": "stretch",
    "safe_harbor": "safe_harbor_basic",
    "qaca": "qaca",
}
_DEFAULT_TEMPLATE: Final = "tiered"  # the reference engine's match when no Studio tiers are given
_REFERENCE_PROMOTION_INCREASE: Final = 0.125
_REFERENCE_BASE_INCREASE: Final = 0.20


def translate_studio_config(merged: dict[str, Any]) -> tuple[SimulationConfig, list[str]]:
    """The engine's config for a merged Studio config, and the run's warnings: one per Studio key
    that the engine does not model and that is off the dialect's default, sorted.

    Raises InvalidConfig when `merged` is not in the dialect or its values do not agree.

    A form key wins over the yaml key for the same setting. The reference does so for every `dc_plan`
    key, but lets the yaml's `compensation.merit_budget` / `cola_rate` win over the form's
    `*_percent` keys, so over the yaml a form edit of merit or COLA did not reach its runs; here the
    value the form shows is the value that runs.

    Where the dialect's defaults differ from the engine's built-in ones (the dialect's win):
    - the yaml (`default_base_config()`) auto-enrols at 2 %, not 3 %; a form saved by the Studio at 3 %;
    - opt-out rates come from one target, 9 % unless set, times 1.8 / 1.1 / 0.7 / 0.4 by age band
      (16.2 / 9.9 / 6.3 / 3.6 %) as the reference engine derives them, not 10 / 7 / 5 / 3 %, and
      times 1.3 / 1 / 0.8 / 0.5 by pay band;
    - a form saved by the Studio waits 3 months (90 days) for eligibility; the yaml waits 0 days;
    - the reference's plan rules: auto-enrolment of those hired since 2020-01-01 (its cutoff), 45
      days after participation can start, opt-outs 30 days later; voluntary enrolment by its base
      rates, income and job-level multipliers, at its deferral table's rates, the match magnet at
      45 % and a 10 % maximum; the first year's match response; the match capped at 4 % of pay; core
      for anyone with 1,000 hours and active at year end; promotions by its hazard; match and core
      in cents; the IRS limits of each plan year.
    Everything else comes out at the engine's built-in values: 2025-2029, seed 42, 3 % growth, 12 %
    and 25 % terminations, 3.5 % merit, 2 % COLA, a 20 % promotion raise (the form's 12.5 % default
    stands for the yaml's `promotion_compensation.base_increase_pct`, as in the reference), the
    tiered match (the reference engine's own when no Studio tiers are given), 1 % flat core,
    escalation by 1 % a year to 10 % after a year, eligibility at 21.
    """
    validate_studio_layer(merged, what="config")
    warnings: set[str] = set()
    layer: dict[str, Any] = {}
    for setting, sources in _DIRECT.items():
        found = _first(merged, sources)
        if found is not None:
            _put(layer, setting, found[1])
        elif setting in _REFERENCE_DEFAULTS:
            _put(layer, setting, _REFERENCE_DEFAULTS[setting])
    _put(layer, _PROMOTION_RAISE, _promotion_raise(merged))
    multiplier = _lookup(merged, "compensation.promotion_rate_multiplier")
    if multiplier is not _MISSING:
        rates = CompensationSettings().promotion_rates
        _put(
            layer,
            "compensation.promotion_rates",
            {str(k): min(r * multiplier, 1.0) for k, r in rates.items()},
        )
    hazard = _promotion_hazard(merged)
    if hazard is not None:
        _put(layer, "compensation.promotion_hazard", hazard)
    _put(layer, "compensation.promotion_raise_spread", _promotion_raise_spread(merged))
    _put(layer, "new_hires", {**layer.get("new_hires", {}), **_new_hire_offers(merged)})
    _put(layer, "auto_enrollment.opt_out_rates", _opt_out_rates(merged))
    _put(layer, "auto_enrollment.opt_out_income_factors", _opt_out_income_factors(merged))
    _put(layer, "auto_enrollment.hire_date_cutoff", _auto_enrollment_cutoff(merged))
    # The reference's all-eligible scope auto-enrols every year whoever in scope is not enrolled.
    _put(
        layer,
        "auto_enrollment.opt_outs_asked_again",
        layer.get("auto_enrollment", {}).get("scope") == "all_eligible",
    )
    _put(layer, "voluntary", {**layer.get("voluntary", {}), **_voluntary_enrollment(merged)})
    _put(layer, "voluntary.deferral_rates", _voluntary_deferral_rates(merged))
    _put(layer, "voluntary.match_magnet_probability", _match_magnet_probability(merged))
    _put(layer, "voluntary.max_deferral_rate", _max_voluntary_rate(merged))
    _put(layer, "auto_escalation.hire_date_cutoff", _escalation_cutoff(merged))
    _put(layer, "employer_match", _match(merged, warnings))
    _put(layer, "core_contribution", {**layer.get("core_contribution", {}), **_core(merged)})
    # The reference pays match and core in cents and applies the law's limits of each plan year.
    _put(layer, "contributions.round_to_cents", True)
    if not any(key in merged.get("irs_limits", {}) for key in _IRS_FIGURES):
        _put(layer, "irs_limits.schedule", "published")
    _keep_auto_enrollment_possible(layer, warnings)
    warnings.update(_unmodelled_warnings(merged))
    config = resolve_config(layer)
    _check_permitted_disparity(config, merged)
    return config, sorted(warnings)


def _lookup(config: Mapping[str, Any], path: str) -> Any:
    node: Any = config
    for key in path.split("."):
        if not isinstance(node, dict) or key not in node:
            return _MISSING
        node = node[key]
    return node


def _first(config: Mapping[str, Any], sources: tuple[tuple[str, _Convert], ...]) -> tuple[str, Any] | None:
    """The first of `sources` set to a value (null means unset, as in the reference), converted."""
    for path, convert in sources:
        value = _lookup(config, path)
        if value is not _MISSING and value is not None:
            return path, convert(value)
    return None


def _put(layer: dict[str, Any], path: str, value: Any) -> None:
    *parents, name = path.split(".")
    for part in parents:
        layer = layer.setdefault(part, {})
    layer[name] = value


def _promotion_raise(config: Mapping[str, Any]) -> float:
    """The Studio's promotion increase, unless it is the reference's 12.5 % default, which stands for
    the yaml's base increase (the reference engine reads it so)."""
    studio = _first(
        config,
        (("compensation.promotion_increase_percent", _percent), ("compensation.promotion_increase", float)),
    )
    if studio is not None and not math.isclose(studio[1], _REFERENCE_PROMOTION_INCREASE, abs_tol=1e-12):
        return float(studio[1])
    base = _lookup(config, "compensation.promotion_compensation.base_increase_pct")
    return _REFERENCE_BASE_INCREASE if base is _MISSING else float(base)


def _promotion_raise_spread(config: Mapping[str, Any]) -> float:
    """The +/- range of a promotion raise: the Studio's, unless it is the reference's 5 % default, which
    stands for the yaml's distribution_range (the reference reads it so)."""
    studio = _first(
        config,
        (
            ("compensation.promotion_distribution_range_percent", _percent),
            ("compensation.promotion_distribution_range", float),
        ),
    )
    if studio is not None and not math.isclose(studio[1], _REFERENCE_SPREAD, abs_tol=1e-12):
        return min(float(studio[1]), _MOST_SPREAD)
    nested = _lookup(config, "compensation.promotion_compensation.distribution_range")
    return _REFERENCE_SPREAD if nested is _MISSING else min(float(nested), _MOST_SPREAD)


_REFERENCE_SPREAD: Final = 0.05
_MOST_SPREAD: Final = 0.2


def _promotion_hazard(config: Mapping[str, Any]) -> dict[str, Any] | None:
    """The promotion hazard of the Studio's promotion_hazard section, its multipliers placed on the
    age_bands and tenure_bands they name (a band without one never promotes, as in the reference);
    the rate multiplier applies to every chance. None without the section."""
    hazard = config.get("promotion_hazard")
    if not isinstance(hazard, dict):
        return None

    def rows(multipliers: list[dict[str, Any]], label: str, bands: Any) -> list[dict[str, float]]:
        by_label = {row[label]: float(row["multiplier"]) for row in multipliers}
        kept = _by_min(
            {"min": float(band["min_value"]), "multiplier": by_label.get(band["band_label"], 0.0)}
            for band in (bands if isinstance(bands, list) else [])
        )
        return kept or [{"min": 0.0, "multiplier": 1.0}]

    multiplier = _lookup(config, "compensation.promotion_rate_multiplier")
    return {
        "base_rate": float(hazard["base_rate"]),
        "level_dampener_factor": float(hazard["level_dampener_factor"]),
        "age_multipliers": rows(hazard["age_multipliers"], "age_band", config.get("age_bands")),
        "tenure_multipliers": rows(hazard["tenure_multipliers"], "tenure_band", config.get("tenure_bands")),
        "rate_multiplier": 1.0 if multiplier is _MISSING else float(multiplier),
    }


_MARKET_SCENARIOS: Final = dict(zip(_MARKET_SCENARIO_NAMES, (-0.05, 0.0, 0.05, 0.10), strict=True))


def _new_hire_offers(config: Mapping[str, Any]) -> dict[str, Any]:
    """The Studio's new-hire section: the offer's percentile and variance (a fixed-band strategy offers
    the middle of the band, without variance), the age weights, fixed level shares, the job levels' pay
    bands, the market scenario and each level's adjustment."""
    section = config.get("new_hire")
    if not isinstance(section, dict):
        return {}
    offers: dict[str, Any] = {}
    if section.get("strategy") == "fixed":
        offers.update(pay_percentile=0.5, pay_variance=0.0)
    else:
        if section.get("target_percentile") is not None:
            offers["pay_percentile"] = _percent(section["target_percentile"])
        if section.get("compensation_variance_percent") is not None:
            offers["pay_variance"] = _percent(section["compensation_variance_percent"])
    ages = [
        {"age": min(max(round(float(row["age"])), 16), 100), "weight": float(row["weight"])}
        for row in section.get("age_distribution") or []
    ]
    if sum(row["weight"] for row in ages) > 0:
        offers["age_distribution"] = ages
    shares = {int(row["level"]): float(row["percentage"]) for row in section.get("level_distribution") or []}
    if section.get("level_distribution_mode") == "fixed" and sum(shares.values()) > 0:
        offers["level_shares"] = [shares.get(level, 0.0) for level in range(1, _job_levels() + 1)]
    offers["pay_bands"] = [
        {
            "level": int(row["level"]),
            "min": float(row["min_compensation"]),
            "max": float(row["max_compensation"]),
        }
        for row in section.get("job_level_compensation") or []
        if 1 <= int(row["level"]) <= _job_levels()
    ]
    scenario = section.get("market_scenario")
    if scenario in _MARKET_SCENARIOS:
        offers["market_adjustment"] = _MARKET_SCENARIOS[scenario]
    offers["level_adjustments"] = {
        str(row["level"]): _percent(row["adjustment_percent"])
        for row in section.get("level_market_adjustments") or []
        if float(row["adjustment_percent"]) != 0
    }
    return offers


@functools.cache
def _job_levels() -> int:
    """The engine's job levels, which the Studio's new-hire tables are keyed by (counted on first use,
    not at import, so that the config models are built then: see `_Section` in domain/config.py)."""
    return len(SimulationConfig().job_levels)


def _opt_out_rates(config: Mapping[str, Any]) -> dict[str, float]:
    """Opt-out by age band: the Studio's per-age rates, else its target (else the yaml's, else the
    reference's 9 %) times the age sensitivity. A rate above 1 draws everyone, so it is 1."""
    target = _first(
        config,
        (("dc_plan.opt_out_rate_target", float), ("enrollment.auto_enrollment.opt_out_rates.target", float)),
    )
    base = _REFERENCE_OPT_OUT_TARGET if target is None else target[1]
    rates: dict[str, float] = {}
    for band, ours in _OPT_OUT_BANDS.items():
        rate = _lookup(config, f"dc_plan.opt_out_rate_{band}")
        rates[ours] = min(1.0, float(rate) if rate is not _MISSING else base * _OPT_OUT_BY_AGE[band])
    return rates


def _opt_out_income_factors(config: Mapping[str, Any]) -> dict[str, float]:
    """The opt-out factor of each pay band: the form's income rate over its moderate rate (the
    reference applies that ratio), else the reference's 1.3, 1, 0.8, 0.5."""
    moderate = _lookup(config, "dc_plan.opt_out_rate_moderate")
    factors: dict[str, float] = {}
    for band, default in _OPT_OUT_BY_INCOME.items():
        rate = _lookup(config, f"dc_plan.opt_out_rate_{band}")
        usable = rate not in (_MISSING, None) and isinstance(moderate, int | float) and moderate > 0
        factors[band] = min(10.0, round(rate / moderate, 12)) if usable else default
    return factors


# The reference's auto-enrolment cutoff when none is set (its macro's default).
_REFERENCE_AUTO_ENROLLMENT_CUTOFF: Final = "2020-01-01"


def _date(value: Any) -> str | None:
    """A Studio date (YYYY-MM-DD, checked by validation; empty or null: none) as ISO text."""
    if value is None or not str(value).strip():
        return None
    return datetime.date.fromisoformat(str(value).strip()).isoformat()


def _auto_enrollment_cutoff(config: Mapping[str, Any]) -> str | None:
    """Auto-enrolment's hire-date cutoff; where none is set, the reference's 2020-01-01."""
    for path in ("dc_plan.auto_enroll_hire_date_cutoff", "enrollment.auto_enrollment.hire_date_cutoff"):
        value = _lookup(config, path)
        if value is not _MISSING and value is not None:
            return _date(value) or _REFERENCE_AUTO_ENROLLMENT_CUTOFF
    return _REFERENCE_AUTO_ENROLLMENT_CUTOFF


def _escalation_cutoff(config: Mapping[str, Any]) -> str | None:
    """Escalation's hire-date cutoff: the form's (empty: none, as the reference drops the yaml's then),
    else the yaml's."""
    value = _lookup(config, "dc_plan.escalation_hire_date_cutoff")
    if value is _MISSING:
        value = _lookup(config, "deferral_auto_escalation.hire_date_cutoff")
    return None if value is _MISSING else _date(value)


# The age and pay at which the reference's voluntary deferral table's segments start.
_VOLUNTARY_AGES: Final = {"young": 0, "mid_career": 31, "mature": 46, "senior": 56}
_VOLUNTARY_PAYS: Final = {"low": 0, "moderate": 50000, "high": 100000, "executive": 200000}


# The reference's voluntary enrollment: a base chance by age segment, times an income and a job-level
# multiplier (its SQL's defaults where the yaml leaves a segment out); levels 1-2 are individual, 3-4
# senior, 5-6 manager.
_VOLUNTARY_BASE_RATES: Final = {"young": 0.30, "mid_career": 0.55, "mature": 0.70, "senior": 0.80}
_VOLUNTARY_INCOME: Final = {"low": 0.70, "moderate": 1.00, "high": 1.15, "executive": 1.25}
_VOLUNTARY_LEVELS: Final = {"individual": (1, 2), "senior": (3, 4), "manager": (5, 6)}
_VOLUNTARY_LEVEL_FACTORS: Final = {"individual": 0.90, "senior": 1.00, "manager": 1.10}


def _voluntary_enrollment(config: Mapping[str, Any]) -> dict[str, Any]:
    """Voluntary enrollment as the reference decides it: every year, for the eligible not enrolled who
    never opted out, before auto-enrolment (who joins on their own is not auto-enrolled)."""

    def table(key: str, defaults: Mapping[str, float]) -> dict[str, float]:
        found = _lookup(config, f"enrollment.voluntary_enrollment.{key}")
        return {**defaults, **(found if isinstance(found, dict) else {})}

    base = table("base_rates_by_age", _VOLUNTARY_BASE_RATES)
    income = table("income_multipliers", _VOLUNTARY_INCOME)
    levels = table("job_level_multipliers", _VOLUNTARY_LEVEL_FACTORS)
    return {
        "enrollment_by_age": [
            {"min": _VOLUNTARY_AGES[segment], "multiplier": float(base[segment])}
            for segment in _VOLUNTARY_BASE_RATES
        ],
        "income_factors": {
            "low_income" if segment == "low" else segment: float(income[segment])
            for segment in _VOLUNTARY_INCOME
        },
        "level_factors": {
            str(level): float(levels[segment])
            for segment, numbers in _VOLUNTARY_LEVELS.items()
            for level in numbers
        },
        "before_auto_enrollment": True,
        "after_opt_out": False,
        # The reference's proactive enrolment gives a hire it would auto-enrol a second chance.
        "hire_year_chances": 1 if _lookup(config, "enrollment.proactive_enrollment.enabled") is False else 2,
        "conversion": _conversion(config),
    }


# The reference's year-over-year conversion (its SQL's defaults where the yaml leaves a segment out):
# chances and rates by age segment (from 31, 46 and 56), income multipliers, and tenure multipliers
# below 2 years, below 5 and from 5.
_CONVERSION_AGES: Final = {"young": 0, "mid_career": 31, "mature": 46, "senior": 56}
_CONVERSION_CHANCES: Final = {"young": 0.03, "mid_career": 0.05, "mature": 0.07, "senior": 0.08}
_CONVERSION_INCOME: Final = {"low_income": 0.8, "moderate": 1.0, "high": 1.2, "executive": 1.3}
_CONVERSION_TENURE: Final = {"new_employee": (0, 0.7), "established": (2, 1.0), "veteran": (5, 1.1)}
_CONVERSION_RATES: Final = {"young": 0.03, "mid_career": 0.04, "mature": 0.05, "senior": 0.06}


def _conversion(config: Mapping[str, Any]) -> dict[str, Any] | None:
    """The reference's year-over-year conversion of the yaml's section (None when it is disabled)."""
    section = _lookup(config, "enrollment.year_over_year_conversion")
    section = section if isinstance(section, dict) else {}
    if section.get("enabled") is False:
        return None

    def table(key: str, defaults: Mapping[str, Any]) -> dict[str, Any]:
        found = section.get(key)
        given = found if isinstance(found, dict) else {}
        return {**defaults, **{k: v for k, v in given.items() if k in defaults}}

    chances = table("base_rates_by_age", _CONVERSION_CHANCES)
    income = table("income_multipliers", _CONVERSION_INCOME)
    tenure = table("tenure_multipliers", {name: factor for name, (_, factor) in _CONVERSION_TENURE.items()})
    rates = table("deferral_rates", _CONVERSION_RATES)
    return {
        "chances_by_age": [
            {"min": low, "multiplier": float(chances[age])} for age, low in _CONVERSION_AGES.items()
        ],
        "income_factors": {band: float(factor) for band, factor in income.items()},
        "service_factors": [
            {"min": low, "multiplier": float(tenure[name])} for name, (low, _) in _CONVERSION_TENURE.items()
        ],
        "deferral_rates_by_age": [
            {"min": low, "multiplier": min(max(float(rates[age]), 0.001), MAX_DEFERRAL_RATE)}
            for age, low in _CONVERSION_AGES.items()
        ],
    }


def _voluntary_deferral_rates(config: Mapping[str, Any]) -> list[dict[str, float]]:
    """The reference's voluntary deferral rate by age and pay segment, as rows of the engine's table."""
    table = _lookup(config, "enrollment.voluntary_enrollment.deferral_rates.demographic_base_rates")
    rates = _VOLUNTARY_DEFERRAL_DEFAULTS | (table if isinstance(table, dict) else {})
    return [
        {"min_age": min_age, "min_pay": min_pay, "rate": float(rates[f"{age}_{pay}"])}
        for age, min_age in _VOLUNTARY_AGES.items()
        for pay, min_pay in _VOLUNTARY_PAYS.items()
        if float(rates[f"{age}_{pay}"]) > 0
    ]


_VOLUNTARY_DEFERRAL_DEFAULTS: Final = _SIMULATION_CONFIG_YAML["enrollment"]["voluntary_enrollment"][
    "deferral_rates"
]["demographic_base_rates"]


def _match_magnet_probability(config: Mapping[str, Any]) -> float:
    """The share of voluntary enrollees who move up to the match ceiling (0 when the magnet is off)."""
    enabled = _first(
        config, (("dc_plan.match_magnet_enabled", bool), ("enrollment.match_magnet.enabled", bool))
    )
    if enabled is not None and not enabled[1]:
        return 0.0
    found = _first(
        config,
        (("dc_plan.match_magnet_probability", float), ("enrollment.match_magnet.snap_probability", float)),
    )
    return 0.45 if found is None else found[1]


def _max_voluntary_rate(config: Mapping[str, Any]) -> float:
    """The most a voluntary enrollee defers: the Studio's maximum (the reference's 10 % unless set),
    at least 1 % as in the reference, at most the plan's 75 %."""
    found = _first(
        config,
        (
            ("dc_plan.max_voluntary_deferral_percent", float),
            ("enrollment.match_magnet.max_deferral_rate", float),
        ),
    )
    return min(max(0.10 if found is None else found[1], 0.01), MAX_DEFERRAL_RATE)


_IRS_FIGURES: Final = ("deferral_402g", "catch_up_50_plus", "compensation_401a17", "annual_additions_415c")


def _match(config: Mapping[str, Any], warnings: set[str]) -> dict[str, Any]:
    """The engine's match for the Studio's: its formula (deferral-based tiers and cap, or the bands of
    a tenure- or points-based schedule) and its eligibility."""
    eligibility = _employer_eligibility(config, "match", "employer_match")
    if _lookup(config, "dc_plan.match_enabled") is False:
        return {**eligibility, **_NO_MATCH}
    status = _first(config, (("dc_plan.match_status", str), ("employer_match.employer_match_status", str)))
    mode = "deferral_based" if status is None else status[1]
    if mode == "deferral_based":
        return {**eligibility, **_deferral_match(config)}
    if mode == "graded_by_service":
        # No Studio key sets its schedule: the reference engine's own default, 50 % up to 6 %.
        bands = [{"min": 0, "tiers": [{"rate": 0.5, "up_to": 0.06}]}]
        return {**eligibility, "basis": "service", "bands": bands}
    if mode == "points_based":
        bands = _single_tier_bands(config, "points_match_tiers", "min_points", None)
        return {**eligibility, "basis": "points", "bands": bands} if bands else {**eligibility, **_NO_MATCH}
    bands = _tenure_graded_bands(config, warnings)
    return {**eligibility, "basis": "service", "bands": bands} if bands else {**eligibility, **_NO_MATCH}


_NO_MATCH: Final = {"formula": "custom", "tiers": [{"rate": 0.0, "up_to": 1.0}]}
# Without a Studio cap the reference engine caps the deferral-based match at 4 % of pay.
_REFERENCE_MATCH_CAP: Final = 0.04


def _deferral_match(config: Mapping[str, Any]) -> dict[str, Any]:
    """The formula and tiers for the Studio's deferral-based match tiers, and its cap."""
    template = _lookup(config, "dc_plan.match_template")
    named = _TEMPLATE_FORMULAS[template if template is not _MISSING else _DEFAULT_TEMPLATE]
    named_slices = [(tier.up_to, tier.rate) for tier in NAMED_MATCH_FORMULAS[named]]
    tiers = _lookup(config, "dc_plan.match_tiers")
    # The tiers are the match (the template only named where they started), when there are any.
    slices = _match_slices(tiers) if tiers is not _MISSING and tiers else named_slices
    cap = _lookup(config, "dc_plan.match_cap_percent")
    formula = (
        {"formula": named, "tiers": []}
        if _same_slices(slices, named_slices)
        else {"formula": "custom", "tiers": _engine_tiers(slices)}
    )
    return {**formula, "cap": _REFERENCE_MATCH_CAP if cap is _MISSING or cap is None else float(cap)}


def _engine_tiers(slices: list[tuple[float, float]]) -> list[dict[str, float]]:
    return [{"rate": rate, "up_to": up_to} for up_to, rate in slices]


def _fraction_of(value: Any, fractions_up_to: float) -> float:
    """A rate the Studio may write as a fraction (up to `fractions_up_to`) or as a percent, as a
    fraction, as the reference reads it."""
    number = float(value)
    return number if number <= fractions_up_to else number / 100


def _single_tier_bands(
    config: Mapping[str, Any], key: str, low: str, high: str | None
) -> list[dict[str, Any]]:
    """The bands of the Studio's tenure or points tiers (a match rate up to a maximum deferral each),
    from dc_plan, else from the yaml's employer_match (whose rates are percents)."""
    found = _first(config, ((f"dc_plan.{key}", list), (f"employer_match.{key}", list)))
    if found is None or not found[1]:
        return []
    from_form = found[0].startswith("dc_plan.")
    bands = []
    for tier in found[1]:
        rate = _fraction_of(tier["match_rate"], 2) if from_form else float(tier["match_rate"]) / 100
        up_to = (
            _fraction_of(tier["max_deferral_pct"], 1) if from_form else float(tier["max_deferral_pct"]) / 100
        )
        # A tier up to 0 % of deferral matches nothing.
        tiers = [{"rate": rate, "up_to": up_to}] if up_to > 0 else [{"rate": 0.0, "up_to": 1.0}]
        bands.append({"min": float(tier[low]), "max": None if high is None else tier[high], "tiers": tiers})
    return _clear_overlaps(_by_min(bands))


def _tenure_graded_bands(config: Mapping[str, Any], warnings: set[str]) -> list[dict[str, Any]]:
    """The bands of a tenure-graded match: the Studio's bands, else (a legacy tenure-based match) its
    tenure tiers as one-tier bands, as the reference migrates them."""
    found = _first(
        config, (("dc_plan.tenure_graded_bands", list), ("employer_match.tenure_graded_bands", list))
    )
    if found is None or not found[1]:
        return _single_tier_bands(config, "tenure_match_tiers", "min_years", "max_years")
    bands = _by_min(
        {
            "min": float(band["min_years"]),
            "max": band["max_years"],
            "tiers": _engine_tiers(_match_slices(band["tiers"])),
        }
        for band in found[1]
    )
    if len(bands) < len(found[1]) or any(
        band["max"] is not None and band["max"] > above["min"] for band, above in itertools.pairwise(bands)
    ):
        warnings.add(
            f"{found[0]}: bands overlap, where the reference adds their tiers up; here each employee's "
            "band is the one starting last at or below the employee's service"
        )
    return _clear_overlaps(bands)


def _by_min(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows in increasing `min`; of rows with the same `min`, the last one."""
    kept: dict[float, dict[str, Any]] = {}
    for row in rows:
        kept[row["min"]] = row
    return [kept[low] for low in sorted(kept)]


def _clear_overlaps(bands: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Bands in increasing `min`, each ending where the next starts at the latest."""
    for band, above in itertools.pairwise(bands):
        if band["max"] is not None and band["max"] > above["min"]:
            band["max"] = above["min"]
    return bands


def _employer_eligibility(config: Mapping[str, Any], form: str, yaml: str) -> dict[str, Any]:
    """Who gets the match (form "match", yaml employer_match) or the core (form "core", yaml
    employer_core_contribution), as the reference's eligibility rules say: hours, service (this year's
    hires pass when the minimum is 0, unless the yaml says otherwise and the form does not set the
    minimum), and leavers only when their kind is allowed (whatever `require_year_end_active` says:
    the reference excludes the other leavers either way)."""

    def setting(name: str, yaml_name: str, convert: _Convert) -> tuple[str, Any] | None:
        return _first(
            config, ((f"dc_plan.{form}_{name}", convert), (f"{yaml}.eligibility.{yaml_name}", convert))
        )

    if form == "match" and not _applies_match_eligibility(config):
        return {"min_hours": 1000.0, "require_active_at_year_end": True}
    service = setting("min_tenure_years", "minimum_tenure_years", float)
    # The reference's core rule asks for a year of service when nothing says otherwise.
    min_service = (0.0 if form == "match" else 1.0) if service is None else service[1]
    allow_new_hires = _lookup(config, f"{yaml}.eligibility.allow_new_hires")
    if (service is not None and service[0].startswith("dc_plan.")) or not isinstance(allow_new_hires, bool):
        allow_new_hires = min_service == 0
    hours = setting("min_hours_annual", "minimum_hours_annual", float)
    allowed = {
        name: bool(found[1]) if (found := setting(name, name, bool)) is not None else False
        for name in ("allow_terminated_new_hires", "allow_experienced_terminations")
    }
    return {
        "min_hours": 1000.0 if hours is None else hours[1],
        "min_service_years": min_service,
        "allow_new_hires": allow_new_hires,
        "require_active_at_year_end": True,
        **allowed,
    }


def _applies_match_eligibility(config: Mapping[str, Any]) -> bool:
    """The reference applies the match's eligibility rules when the form sets one or the yaml asks;
    otherwise its rule is: active at year end with 1,000 hours."""
    form = any(_lookup(config, key) not in (_MISSING, None) for key in _MATCH_ELIGIBILITY_KEYS)
    return form or _lookup(config, "employer_match.apply_eligibility") is True


def _core(config: Mapping[str, Any]) -> dict[str, Any]:
    """The core: on or off (off for the `none` status), its schedule by service, points or age (the
    reference reads only the minimum of service and points bands, both ends of age bands), its
    §401(l) integration and its eligibility. Anyone employed may get it: the reference does not ask
    for the plan's age and waiting period."""
    enabled = _first(config, (("dc_plan.core_enabled", bool), ("employer_core_contribution.enabled", bool)))
    status = _first(config, (("dc_plan.core_status", str), ("employer_core_contribution.status", str)))
    core: dict[str, Any] = {
        "enabled": (True if enabled is None else enabled[1]) and (status is None or status[1] != "none"),
        "requires_plan_eligibility": False,
        "integration": _integration(config),
        **_employer_eligibility(config, "core", "employer_core_contribution"),
    }
    basis = _CORE_BASES.get("flat" if status is None else status[1])
    if basis is None:
        return core
    form_key, yaml_key, low, high = _CORE_SCHEDULES[basis]
    found = _first(config, ((f"dc_plan.{form_key}", list), (f"employer_core_contribution.{yaml_key}", list)))
    if found is None or not found[1]:
        return core  # the reference pays the flat rate without a schedule
    schedule = _by_min(
        {
            "min": float(band[low]),
            "max": None if high is None or band[high] is None else float(band[high]),
            "rate": float(band["contribution_rate"]),
        }
        for band in found[1]
    )
    return {**core, "basis": basis, "schedule": _clear_overlaps(schedule)}


def _check_permitted_disparity(config: SimulationConfig, studio: Mapping[str, Any]) -> None:
    """Refuse a §401(l) design the law does not permit in some projection year (as the reference
    does): an integration level above the year's wage base, or a disparity above the lesser of the
    lowest base rate and the factor permitted at the level."""
    core = config.core_contribution
    integration = core.integration
    if not (core.enabled and integration.enabled):
        return
    path = (
        "dc_plan.core_integration_disparity_rate"
        if _lookup(studio, "dc_plan.core_integration_disparity_rate") is not _MISSING
        else "employer_core_contribution.integration.disparity_rate"
    )
    lowest_rate = min([core.rate] if core.basis == "flat" else [band.rate for band in core.schedule])
    start, end = config.simulation.start_year, config.simulation.end_year
    for year in range(start, end + 1):
        wage_base = YearLimits.for_year(config.irs_limits, year, start).social_security_wage_base
        level = integration.level_for(wage_base)
        if level > wage_base:
            raise InvalidConfig(
                f"{path}: the integration level {level:,.0f} is above {year}'s Social Security wage base "
                f"{wage_base:,.0f}"
            )
        factor = integration.permitted_factor(wage_base)
        allowed = min(lowest_rate, factor)
        if integration.disparity_rate > allowed + 1e-12:
            raise InvalidConfig(
                f"{path}: {_shown(integration.disparity_rate)} is above the {_shown(round(allowed, 6))} "
                f"§401(l) permits in {year} (the lesser of the lowest base rate {_shown(lowest_rate)} and "
                f"the factor {_shown(factor)} for a level of {level:,.0f})"
            )


def _integration(config: Mapping[str, Any]) -> dict[str, Any]:
    """The core's §401(l) integration, from the form's keys, else the yaml's."""

    def setting(name: str, convert: _Convert) -> Any:
        found = _first(
            config,
            (
                (f"dc_plan.core_integration_{name}", convert),
                (f"employer_core_contribution.integration.{name}", convert),
            ),
        )
        return None if found is None else found[1]

    enabled = bool(setting("enabled", bool))
    if not enabled:
        return {"enabled": False}
    level = setting("level_mode", str) or "ss_wage_base"
    value = setting("level_value", float)
    if level != "ss_wage_base" and value is None:
        raise InvalidConfig(f"dc_plan.core_integration_level_value: required with the {level} level")
    return {
        "enabled": True,
        "level": level,
        "level_value": value,
        "disparity_rate": setting("disparity_rate", float) or 0.0,
    }


def _match_slices(tiers: list[dict[str, Any]]) -> list[tuple[float, float]]:
    """The Studio's tiers as the engine's: consecutive slices of the deferral rate from 0, each
    `(up_to, rate)`. Tiers may leave gaps (a rate of 0 there) or overlap (their rates add), as the
    reference sums every tier over its own slice; trailing slices without match are dropped."""
    bounds = sorted(
        {0.0, *(float(t["employee_min"]) for t in tiers), *(float(t["employee_max"]) for t in tiers)}
    )
    slices: list[tuple[float, float]] = []
    for low, high in itertools.pairwise(bounds):
        rate = sum(
            float(t["match_rate"]) for t in tiers if t["employee_min"] <= low and high <= t["employee_max"]
        )
        if slices and math.isclose(slices[-1][1], rate, abs_tol=1e-12):
            slices[-1] = (high, slices[-1][1])
        else:
            slices.append((high, rate))
    while slices and slices[-1][1] == 0:
        slices.pop()
    return slices or [(1.0, 0.0)]


def _same_slices(ours: list[tuple[float, float]], theirs: list[tuple[float, float]]) -> bool:
    return len(ours) == len(theirs) and all(
        math.isclose(a, b, abs_tol=1e-12)
        for pair in zip(ours, theirs, strict=True)
        for a, b in zip(*pair, strict=True)
    )


def _keep_auto_enrollment_possible(layer: dict[str, Any], warnings: set[str]) -> None:
    """The engine enrols by a deferral above 0, so auto-enrolment at 0 % is auto-enrolment off."""
    section = layer.get("auto_enrollment", {})
    if section.get("default_deferral_rate", 1) > 0:
        return
    del section["default_deferral_rate"]
    if section.get("enabled", True):
        warnings.add(
            "dc_plan.default_deferral_percent is 0: auto-enrolment at 0 % enrols nobody and was turned off"
        )
    section["enabled"] = False


def _unmodelled_warnings(config: Mapping[str, Any]) -> set[str]:
    found: set[str] = set()
    dialect = _dialect()
    for path in dialect.not_modelled:
        value = _lookup(config, path)
        if value is _MISSING:
            continue
        if not any(_at_default(path, value, defaults) for defaults in dialect.defaults):
            found.add(f"{path} {_NOT_MODELLED}")
    return found


def _at_default(path: str, value: Any, defaults: Mapping[str, Any]) -> bool:
    default = _lookup(defaults, path)
    if default is _MISSING:
        return value is None or value == [] or value == {}
    return _same(value, default)


def _same(value: Any, default: Any) -> bool:
    """Equal as JSON values, numbers up to rounding (the form computes some, like 9 / 100 * 1.8)."""
    if isinstance(value, dict) and isinstance(default, dict):
        return value.keys() == default.keys() and all(_same(value[k], default[k]) for k in value)
    if isinstance(value, list) and isinstance(default, list):
        return len(value) == len(default) and all(_same(a, b) for a, b in zip(value, default, strict=True))
    numbers = [x for x in (value, default) if isinstance(x, int | float) and not isinstance(x, bool)]
    if len(numbers) == 2:
        return math.isclose(value, default, rel_tol=1e-9, abs_tol=1e-12)
    return type(value) is type(default) and value == default


# ---------------------------------------------------------------------------------------------
# Every key of the dialect, with its kind
# ---------------------------------------------------------------------------------------------

KeyKind = Literal["modelled", "not modelled", "inert"]


def _terminal_paths(shape: _Record, prefix: str = "") -> Iterator[str]:
    """The dialect's keys as warnings name them: a record's fields one by one, a list or a table
    whole."""
    for name, child in shape.fields.items():
        path = f"{prefix}{name}"
        if isinstance(child, _Record):
            yield from _terminal_paths(child, f"{path}.")
        else:
            yield path


def _kind_of(path: str) -> KeyKind | None:
    """A key's kind: its own entry, else the longest key above it that is listed."""
    parts = path.split(".")
    for end in range(len(parts), 0, -1):
        key = ".".join(parts[:end])
        if key in MODELLED_KEYS:
            return "modelled"
        if key in _INERT:
            return "inert"
        if key in _NOT_MODELLED_SET:
            return "not modelled"
    return None


def studio_key_kinds() -> dict[str, KeyKind]:
    """Every key of the dialect (a list or a table counted as one key) with its kind: modelled by the
    engine, not modelled (a run warns when it is off its default), or inert (changes no number of
    the reference engine either)."""
    return {path: _kind_of(path) or "not modelled" for path in _terminal_paths(_dialect().shape)}


def effective_studio_config(merged: dict[str, Any]) -> dict[str, Any]:
    """A merged config with every setting the Config Studio's form writes filled in with the form's
    default where the config does not say it: what a run of it uses, key by key, so two scenarios
    compare setting by setting however much of the form each one saved."""
    return merge_studio_config(_studio_form_defaults(), merged)
