"""Precompile a `sam build` for the Lambda runtime. SAM copies our sources and unpacks the wheels
without `.pyc` files, and a function's code is read-only in Lambda, so every cold start would compile
each module it imports (the planalign layer, FastAPI, pydantic, ...) from source. This writes the
`.pyc` files into the build once; `sam deploy` ships them. Their hash is not checked against the
source (a build is never edited), so no stat or read of the `.py` is needed to use one. Run it with
the runtime's Python: a `.pyc` is for one Python version.

    python3.12 scripts/precompile_build.py [.aws-sam/build]      (`make build` runs sam build, then this)
"""

import compileall
import py_compile
import sys
from pathlib import Path

RUNTIME = (3, 12)  # template.yaml's Runtime: python3.12


def precompile(build: Path) -> int:
    """Compile every `.py` under `build`; returns the number of `.pyc` files there afterwards."""
    if sys.version_info[:2] != RUNTIME:
        raise SystemExit(
            f"run this with python{RUNTIME[0]}.{RUNTIME[1]}: the .pyc files are for the runtime's version"
        )
    if not build.is_dir():
        raise SystemExit(f"{build} is not a sam build folder: run `sam build` first")
    compiled = compileall.compile_dir(
        build, quiet=1, workers=0, invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH
    )
    if not compiled:
        raise SystemExit("some modules did not compile (listed above)")
    return sum(1 for _ in build.rglob("*.pyc"))


if __name__ == "__main__":
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else ".aws-sam/build")
    print(f"{precompile(folder)} .pyc files in {folder}")
