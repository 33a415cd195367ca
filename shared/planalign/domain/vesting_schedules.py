"""The vesting schedules the Studio offers (its `vesting_service.py` lists them) and the rule a vesting
analysis applies: plain data, without NumPy or Arrow, so that the routes naming them load without them
(cold start). The law they follow is in domain/vesting.py's docstring."""

from dataclasses import dataclass
from typing import Any, Literal

ScheduleType = Literal[
    "immediate",
    "cliff_1_year",
    "cliff_2_year",
    "cliff_3_year",
    "cliff_4_year",
    "qaca_2_year",
    "graded_3_year",
    "graded_4_year",
    "graded_5_year",
    "graded_6_year",
]
ForfeiturePolicy = Literal["offset_employer_contributions", "pay_plan_expenses", "reallocate_to_participants"]
# Only the first two lower what the sponsor pays: reallocated forfeitures go to the other participants.
POLICIES_REDUCING_COST: frozenset[str] = frozenset({"offset_employer_contributions", "pay_plan_expenses"})
DEFAULT_HOURS_THRESHOLD = 1000  # IRC 411(a)(5)(A): a year of service is 1,000 hours


@dataclass(frozen=True)
class Schedule:
    """The vested fraction by completed years of service (index = years; the last holds after)."""

    schedule_type: ScheduleType
    name: str
    description: str
    fractions: tuple[float, ...]

    def percentages(self) -> dict[int, float]:
        return dict(enumerate(self.fractions))


SCHEDULES: dict[str, Schedule] = {
    schedule.schedule_type: schedule
    for schedule in (
        Schedule("immediate", "Immediate", "100% vested from day one", (1.0,)),
        Schedule("cliff_1_year", "1-Year Cliff", "0% until 1 year, then 100%", (0.0, 1.0)),
        Schedule("cliff_2_year", "2-Year Cliff", "0% until 2 years, then 100%", (0.0, 0.0, 1.0)),
        # IRC 411(a)(2)(B)(ii): the longest cliff the law allows for employer money.
        Schedule("cliff_3_year", "3-Year Cliff", "0% until 3 years, then 100%", (0.0, 0.0, 0.0, 1.0)),
        # Longer than 411(a)(2)(B) allows for employer money since 2007; offered, as by the Studio.
        Schedule("cliff_4_year", "4-Year Cliff", "0% until 4 years, then 100%", (0.0, 0.0, 0.0, 0.0, 1.0)),
        # IRC 401(k)(13)(D)(iii): a QACA's safe-harbour money vests after at most 2 years.
        Schedule("qaca_2_year", "QACA 2-Year", "0% until 2 years, then 100%", (0.0, 0.0, 1.0)),
        Schedule(
            "graded_3_year", "3-Year Graded", "33.33% per year from year 1-3", (0.0, 0.3333, 0.6667, 1.0)
        ),
        Schedule("graded_4_year", "4-Year Graded", "25% per year from year 1-4", (0.0, 0.25, 0.5, 0.75, 1.0)),
        Schedule(
            "graded_5_year", "5-Year Graded", "20% per year from year 1-5", (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)
        ),
        # IRC 411(a)(2)(B)(iii): 20% after 2 years, 20 points more each year, 100% after 6.
        Schedule(
            "graded_6_year",
            "6-Year Graded",
            "0% through year 1, then 20% per year from year 2-6",
            (0.0, 0.0, 0.2, 0.4, 0.6, 0.8, 1.0),
        ),
    )
}


@dataclass(frozen=True)
class VestingRule:
    """A schedule, and whether a year short of `hours_threshold` hours (the leaving year's) does not count."""

    schedule_type: ScheduleType
    require_hours_credit: bool = False
    hours_threshold: int = DEFAULT_HOURS_THRESHOLD


def schedule_infos() -> list[dict[str, Any]]:
    """The Studio's VestingScheduleInfo of every schedule."""
    return [
        {
            "schedule_type": schedule.schedule_type,
            "name": schedule.name,
            "description": schedule.description,
            "percentages": schedule.percentages(),
        }
        for schedule in SCHEDULES.values()
    ]
