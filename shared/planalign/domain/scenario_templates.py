"""The Studio's built-in scenario templates (its backend's `TemplateService`): config overrides a new
scenario can start from, in the Studio's config dialect."""

import copy
from typing import Any, Final

_TEMPLATES: Final[list[dict[str, Any]]] = [
    {
        "id": "baseline",
        "name": "Baseline (Conservative)",
        "description": "Standard configuration with moderate growth and turnover. "
        "Good starting point for most organizations.",
        "category": "general",
        "config": {
            "simulation": {"target_growth_rate": 0.03},
            "workforce": {"total_termination_rate": 0.12, "new_hire_termination_rate": 0.25},
            "compensation": {"merit_budget_percent": 3.5, "cola_rate_percent": 2.0},
            "dc_plan": {"auto_enroll": True, "match_percent": 50, "match_limit_percent": 6},
        },
    },
    {
        "id": "high_growth",
        "name": "High Growth",
        "description": "Aggressive hiring plan with competitive compensation. "
        "Suitable for fast-growing organizations or expansion scenarios.",
        "category": "growth",
        "config": {
            "simulation": {"target_growth_rate": 0.08},
            "workforce": {"total_termination_rate": 0.10, "new_hire_termination_rate": 0.20},
            "compensation": {"merit_budget_percent": 4.5, "cola_rate_percent": 2.5},
            "dc_plan": {"auto_enroll": True, "match_percent": 100, "match_limit_percent": 6},
        },
    },
    {
        "id": "cost_optimization",
        "name": "Cost Optimization",
        "description": "Focus on cost control with moderate benefits. "
        "For organizations prioritizing expense management.",
        "category": "cost",
        "config": {
            "simulation": {"target_growth_rate": 0.01},
            "workforce": {"total_termination_rate": 0.15},
            "compensation": {"merit_budget_percent": 2.5, "cola_rate_percent": 1.5},
            "dc_plan": {"auto_enroll": False, "match_percent": 25, "match_limit_percent": 4},
        },
    },
    {
        "id": "retention_focus",
        "name": "Retention Focus",
        "description": "Enhanced benefits and compensation to reduce turnover. "
        "Ideal for organizations with high attrition concerns.",
        "category": "retention",
        "config": {
            "simulation": {"target_growth_rate": 0.02},
            "workforce": {"total_termination_rate": 0.08, "new_hire_termination_rate": 0.15},
            "compensation": {"merit_budget_percent": 4.0, "cola_rate_percent": 2.5},
            "dc_plan": {
                "auto_enroll": True,
                "auto_escalation": True,
                "match_percent": 100,
                "match_limit_percent": 8,
            },
        },
    },
    {
        "id": "tech_startup",
        "name": "Tech Startup",
        "description": "High growth with equity-like benefits structure. "
        "Matches typical Silicon Valley compensation patterns with younger workforce.",
        "category": "growth",
        "config": {
            "simulation": {"target_growth_rate": 0.15},
            "workforce": {"total_termination_rate": 0.18, "new_hire_termination_rate": 0.30},
            "compensation": {"merit_budget_percent": 5.0, "cola_rate_percent": 3.0},
            "dc_plan": {"auto_enroll": True, "match_percent": 50, "match_limit_percent": 6},
            "new_hire": {
                "age_distribution": [
                    {"age": age, "weight": weight}
                    for age, weight in (
                        (22, 0.15),
                        (25, 0.25),
                        (28, 0.25),
                        (32, 0.20),
                        (35, 0.10),
                        (40, 0.05),
                    )
                ],
                "level_distribution_mode": "fixed",
                "level_distribution": [
                    {"level": level, "percentage": share}
                    for level, share in ((1, 0.60), (2, 0.25), (3, 0.10), (4, 0.04), (5, 0.01))
                ],
            },
        },
    },
    {
        "id": "mature_enterprise",
        "name": "Mature Enterprise",
        "description": "Stable workforce with generous benefits. "
        "Typical of established Fortune 500 companies with experienced hires.",
        "category": "general",
        "config": {
            "simulation": {"target_growth_rate": 0.02},
            "workforce": {"total_termination_rate": 0.10, "new_hire_termination_rate": 0.18},
            "compensation": {"merit_budget_percent": 3.0, "cola_rate_percent": 2.0},
            "dc_plan": {
                "auto_enroll": True,
                "auto_escalation": True,
                "match_percent": 100,
                "match_limit_percent": 6,
                "vesting_schedule": "immediate",
            },
            "new_hire": {
                "age_distribution": [
                    {"age": age, "weight": weight}
                    for age, weight in (
                        (25, 0.08),
                        (28, 0.12),
                        (32, 0.20),
                        (35, 0.25),
                        (40, 0.20),
                        (45, 0.10),
                        (50, 0.05),
                    )
                ],
                "level_distribution_mode": "adaptive",
            },
        },
    },
]


def scenario_templates() -> list[dict[str, Any]]:
    return copy.deepcopy(_TEMPLATES)


def scenario_template(template_id: str) -> dict[str, Any] | None:
    return next((t for t in scenario_templates() if t["id"] == template_id), None)
