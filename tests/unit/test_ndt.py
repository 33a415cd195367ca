"""Nondiscrimination tests on hand-made plan years: every figure worked out by hand."""

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from planalign.domain import ndt
from planalign.domain.irs_limits import YearLimits, hce_compensation, published_limits

LIMITS_2026 = published_limits(2026)  # IRS Notice 2025-67: 402(g) 24,500, 401(a)(17) 360,000, 415(c) 72,000
HCE_2025 = hce_compensation(2025)  # IRS Notice 2024-80: 160,000, the look-back year of 2026


def year_table(rows: list[tuple[str, float, float, float, float]], **extra: list[object]) -> pa.Table:
    """(id, pay earned in the year, deferrals, match, core) rows, everyone eligible, a full year."""
    columns: dict[str, list[object]] = {
        "employee_id": [r[0] for r in rows],
        "eligible": [True] * len(rows),
        "enrolled": [r[2] > 0 for r in rows],
        "pay": [r[1] for r in rows],
        "prorated_pay": [r[1] for r in rows],
        "employee_contribution": [r[2] for r in rows],
        "match": [r[3] for r in rows],
        "core": [r[4] for r in rows],
        "tenure": [5] * len(rows),
    }
    columns.update(extra)
    return pa.table(columns)


def look_back(pay: dict[str, float]) -> pa.Table:
    return pa.table({"employee_id": list(pay), "prorated_pay": list(pay.values())})


# A 10-employee plan in 2026. H1, H2 earned 190,000 in 2025 (above 160,000): highly compensated. The
# eight others earn 50,000; their deferral ratios are 0 (N3 does not defer), 3, 4, 5, 6, 4, 5, 5 % (average
# 4 %) and their match ratios half of that (average 2 %). H1 defers 6 %, H2 5 %; a discretionary match gives
# them 5 % and 4.5 % of pay.
TEN = year_table(
    [
        ("H1", 200000, 12000, 10000, 0),
        ("H2", 200000, 10000, 9000, 0),
        ("N1", 50000, 1500, 750, 0),
        ("N2", 50000, 2000, 1000, 0),
        ("N3", 50000, 0, 0, 0),
        ("N4", 50000, 2500, 1250, 0),
        ("N5", 50000, 3000, 1500, 0),
        ("N6", 50000, 2000, 1000, 0),
        ("N7", 50000, 2500, 1250, 0),
        ("N8", 50000, 2500, 1250, 0),
    ]
)
TEN_LOOK_BACK = look_back({"H1": 190000, "H2": 190000, **{f"N{i}": 48000 for i in range(1, 9)}})


def ten() -> ndt.Year:
    return ndt.tested_year(TEN, TEN_LOOK_BACK, LIMITS_2026, HCE_2025)


def test_the_ten_employee_plan_passes_adp() -> None:
    # IRC 401(k)(3)(A)(ii): NHCE ADP 4 %; limit = max(1.25 x 4 = 5 %, min(2 x 4 = 8 %, 4 + 2 = 6 %)) = 6 %
    # (the alternative); HCE ADP (6 + 5) / 2 = 5.5 % <= 6 %: pass by 0.5 points, no excess.
    result = ndt.adp_test(ten())
    assert result["test_result"] == "pass"
    assert (result["hce_count"], result["nhce_count"], result["excluded_count"]) == (2, 8, 0)
    assert result["hce_threshold_used"] == 160000
    assert result["nhce_average_adp"] == pytest.approx(0.04)
    assert result["hce_average_adp"] == pytest.approx(0.055)
    assert result["basic_test_threshold"] == pytest.approx(0.05)
    assert result["alternative_test_threshold"] == pytest.approx(0.06)
    assert (result["applied_test"], result["applied_threshold"]) == ("alternative", pytest.approx(0.06))
    assert result["margin"] == pytest.approx(0.005)
    assert result["excess_hce_amount"] is None


def test_the_ten_employee_plan_fails_acp() -> None:
    # IRC 401(m)(2)(A): NHCE ACP 2 % (N3, eligible and not deferring, counts as 0); limit = max(1.25 x 2 =
    # 2.5 %, min(2 x 2 = 4 %, 2 + 2 = 4 %)) = 4 %; HCE ACP (5 + 4.5) / 2 = 4.75 % > 4 %: fail by 0.75 points.
    result = ndt.acp_test(ten(), include_employees=True)
    assert result["test_result"] == "fail"
    assert (result["hce_count"], result["nhce_count"], result["eligible_not_enrolled_count"]) == (2, 8, 1)
    assert result["nhce_average_acp"] == pytest.approx(0.02)
    assert result["hce_average_acp"] == pytest.approx(0.0475)
    assert (result["applied_test"], result["applied_threshold"]) == ("alternative", pytest.approx(0.04))
    assert result["margin"] == pytest.approx(-0.0075)
    first = result["employees"][0]
    assert (first["employee_id"], first["is_hce"], first["individual_acp"]) == (
        "H1",
        True,
        pytest.approx(0.05),
    )
    assert first["prior_year_compensation"] == 190000


def test_a_safe_harbour_plan_is_exempt_from_adp() -> None:
    # IRC 401(k)(12) (safe-harbour match or contribution) and 401(k)(13) (QACA): no ADP test. Even a plan
    # whose HCEs defer far more than the others is exempt.
    failing = ndt.tested_year(
        year_table([("H1", 200000, 20000, 0, 0), ("N1", 50000, 500, 0, 0)]),
        look_back({"H1": 190000, "N1": 48000}),
        LIMITS_2026,
        HCE_2025,
    )
    assert ndt.adp_test(failing)["test_result"] == "fail"
    exempt = ndt.adp_test(failing, safe_harbor=True)
    assert (exempt["test_result"], exempt["safe_harbor"]) == ("exempt", True)


def test_a_failed_adp_levels_the_highest_deferral_ratios() -> None:
    # Treas. Reg. 1.401(k)-2(b)(2)(ii): NHCE ADP 4 % -> limit 6 %. HCE ratios 10 %, 9 %, 2 % (average 7 %):
    # levelling the two highest to 8 % gives (8 + 8 + 2) / 3 = 6 %; the excess is 2 % and 1 % of 100,000.
    year = ndt.tested_year(
        year_table(
            [
                ("H1", 100000, 10000, 0, 0),
                ("H2", 100000, 9000, 0, 0),
                ("H3", 100000, 2000, 0, 0),
                ("N1", 50000, 2000, 0, 0),
            ]
        ),
        look_back({"H1": 170000, "H2": 170000, "H3": 170000, "N1": 48000}),
        LIMITS_2026,
        HCE_2025,
    )
    result = ndt.adp_test(year)
    assert (result["test_result"], result["hce_average_adp"]) == ("fail", pytest.approx(0.07))
    assert result["excess_hce_amount"] == 3000.00


def test_the_prior_year_method_takes_the_others_average_of_the_year_before() -> None:
    # Treas. Reg. 1.401(k)-2(a)(2): with a prior-year NHCE ADP of 2 %, the limit is min(4 %, 4 %) = 4 %;
    # the HCEs' 5.5 % fails.
    result = ndt.adp_test(ten(), prior_nhce_average=0.02)
    assert (result["test_result"], result["applied_threshold"]) == ("fail", pytest.approx(0.04))
    assert result["nhce_average_adp"] == pytest.approx(0.04)  # the tested year's, shown


def test_who_is_highly_compensated() -> None:
    # IRC 414(q)(1)(B): more than the look-back year's 160,000 (exactly 160,000 is not); a hire of the
    # tested year earned nothing in the look-back year; catch-up deferrals are not tested (414(v)(3)(A)).
    table = year_table(
        [("AT", 170000, 0, 0, 0), ("ABOVE", 90000, 0, 0, 0), ("HIRED", 300000, 30000, 0, 0)],
    )
    year = ndt.tested_year(table, look_back({"AT": 160000, "ABOVE": 160000.01}), LIMITS_2026, HCE_2025)
    assert year.hce.tolist() == [False, True, False]
    assert year.tested_deferrals.tolist() == [0, 0, 24500]
    # The run's first year has no look-back year: its pay rate stands in.
    first = ndt.tested_year(table, None, LIMITS_2026, HCE_2025)
    assert first.hce.tolist() == [True, False, True]


def test_an_employee_at_the_415c_limit_passes_and_a_cent_more_breaches() -> None:
    # IRC 415(c)(1): additions at most the lesser of 72,000 (2026, Notice 2025-67) and 100 % of pay.
    # AT: 24,500 deferred (8,000 catch-up more is not an addition to test, 414(v)(3)(A)) + 17,500 match +
    # 30,000 core = 72,000.00 exactly: at the limit, at risk. OVER: a cent more. LOW: 21,000 of additions on
    # 20,000 of pay breaches the 100 % limit. FINE: 8,500 of 72,000, 11.8 %.
    table = year_table(
        [
            ("AT", 400000, 32500, 17500, 30000),
            ("OVER", 400000, 24500, 17500, 30000.01),
            ("LOW", 20000, 15000, 0, 6000),
            ("FINE", 100000, 5000, 2500, 1000),
        ]
    )
    year = ndt.tested_year(table, None, LIMITS_2026, HCE_2025)
    result = ndt.annual_additions_test(year, include_employees=True)
    assert result["test_result"] == "fail"
    assert (result["breach_count"], result["at_risk_count"], result["passing_count"]) == (2, 1, 1)
    assert result["annual_additions_limit"] == 72000
    by_id = {row["employee_id"]: row for row in result["employees"]}
    assert by_id["AT"]["status"] == "at_risk"
    assert (
        by_id["AT"]["total_annual_additions"],
        by_id["AT"]["headroom"],
        by_id["AT"]["utilization_pct"],
    ) == (
        72000.0,
        0.0,
        1.0,
    )
    assert (by_id["OVER"]["status"], by_id["OVER"]["headroom"]) == ("breach", -0.01)
    assert (by_id["LOW"]["status"], by_id["LOW"]["applicable_limit"]) == ("breach", 20000.0)
    assert by_id["FINE"]["utilization_pct"] == pytest.approx(8500 / 72000)
    assert result["max_utilization_pct"] == pytest.approx(21000 / 20000)


def test_401a4_ratio_then_medians() -> None:
    # The Studio's 401(a)(4) presentation: NHCE average rate / HCE average rate >= 70 % (Treas. Reg.
    # 1.410(b)-2(b)(2)), else the medians. Core rates: HCEs 10 %, 4 %; NHCEs 2 %, 3 %, 7 %.
    # Averages 7 % and 4 %: 4 / 7 = 57 % fails the ratio; medians 7 % and 3 %: 3 / 7 = 42.9 % fails too.
    table = year_table(
        [
            ("H1", 200000, 0, 0, 20000),
            ("H2", 200000, 0, 0, 8000),
            ("N1", 50000, 0, 0, 1000),
            ("N2", 50000, 0, 0, 1500),
            ("N3", 50000, 0, 0, 3500),
        ]
    )
    year = ndt.tested_year(table, look_back({"H1": 190000, "H2": 190000}), LIMITS_2026, HCE_2025)
    result = ndt.general_test(year)
    assert (result["test_result"], result["applied_test"]) == ("fail", "general")
    assert result["ratio"] == pytest.approx(4 / 7)
    assert (result["hce_median_rate"], result["nhce_median_rate"]) == (
        pytest.approx(0.07),
        pytest.approx(0.03),
    )
    assert result["margin"] == pytest.approx(3 / 7 - 0.7)
    # A flat core passes the ratio test: every rate the same.
    flat = year_table([("H1", 200000, 0, 0, 2000), ("N1", 50000, 0, 0, 500)])
    passed = ndt.general_test(ndt.tested_year(flat, look_back({"H1": 190000}), LIMITS_2026, HCE_2025))
    assert (passed["test_result"], passed["applied_test"], passed["ratio"]) == (
        "pass",
        "ratio",
        pytest.approx(1.0),
    )


def test_compensation_is_capped_at_401a17() -> None:
    # IRC 401(a)(17): 2026's 360,000; a 500,000 earner's 18,000 deferral is 5 % of it, not 3.6 %.
    year = ndt.tested_year(year_table([("H1", 500000, 18000, 0, 0)]), None, LIMITS_2026, HCE_2025)
    assert year.testing_compensation.tolist() == [360000]
    assert ndt.adp_test(year, include_employees=True)["employees"][0]["individual_adp"] == pytest.approx(0.05)


def test_limits_after_the_last_published_year_grow_and_round_down_to_5000() -> None:
    # 414(q)(1) grows the threshold as 415(d) does, rounded down to a multiple of 5,000.
    assert hce_compensation(2027, 0.03) == 160000  # 164,800
    assert hce_compensation(2028, 0.03) == 165000  # 169,744
    assert isinstance(LIMITS_2026, YearLimits)


@settings(max_examples=200, deadline=None)
@given(
    hce=st.lists(st.floats(0, 0.3), min_size=1, max_size=12),
    nhce=st.lists(st.floats(0, 0.3), min_size=1, max_size=12),
)
def test_the_levelled_excess_brings_the_hce_average_to_the_limit(hce: list[float], nhce: list[float]) -> None:
    # IRC 401(k)(3)(A)(ii) and Treas. Reg. 1.401(k)-2(b)(2)(ii): a failed test's excess, taken from the
    # highest ratios, leaves the HCE average at the limit; a passed test has none.
    ratios = np.array(hce)
    test = ndt.average_test(ratios, float(np.mean(nhce)))
    assert test.applied_threshold == max(test.basic_threshold, test.alternative_threshold)
    compensation = np.full(len(ratios), 100000.0)
    excess = ndt.levelled_excess(ratios, compensation, test.applied_threshold)
    if test.passed:
        assert excess == 0
    else:
        after = ratios.sum() - excess / 100000.0
        assert after / len(ratios) == pytest.approx(test.applied_threshold, abs=1e-6)
