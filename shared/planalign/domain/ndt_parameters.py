"""The nondiscrimination tests' parameters (domain/ndt.py applies them): plain numbers, without NumPy
or Arrow, so that the NDT routes load without them (cold start)."""

BASIC_MULTIPLE = 1.25  # IRC 401(k)(3)(A)(ii)(I), 401(m)(2)(A)(i)
ALTERNATIVE_MULTIPLE = 2.0  # IRC 401(k)(3)(A)(ii)(II), 401(m)(2)(A)(ii)
ALTERNATIVE_POINTS = 0.02
RATIO_PERCENTAGE = 0.70  # Treas. Reg. 1.410(b)-2(b)(2)
# The 415(c) test's "at risk" share of the limit, the Studio's default.
DEFAULT_WARNING_THRESHOLD = 0.95
