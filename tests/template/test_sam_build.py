"""`sam build` of the tracked files alone (what a clean clone has) for python3.12 on arm64: every
function's build holds its handler and its requirements, the layer holds the planalign package,
every compiled library is for AArch64, and once precompiled (`make build`) every module has its .pyc. The copy lives in a fixed folder under .tools/ so that SAM's
cache (its downloaded wheels) survives between runs: the first build downloads them (about 10 minutes
here), later ones take about a minute."""

import os
import re
import shutil
import subprocess
from importlib.metadata import Distribution, distributions
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from planalign.local.template import load_template

ROOT = Path(__file__).resolve().parents[2]
CHECKOUT = ROOT / ".tools" / "sam-build-check"
PYTHON_VERSION = "3.12"
LAMBDA_ENVIRONMENT = {  # how a requirement's markers evaluate on the Lambda runtime
    "python_version": PYTHON_VERSION,
    "python_full_version": f"{PYTHON_VERSION}.0",
    "sys_platform": "linux",
    "platform_system": "Linux",
    "platform_machine": "aarch64",
    "os_name": "posix",
    "implementation_name": "cpython",
    "platform_python_implementation": "CPython",
}
ELF_MACHINE_AARCH64 = 183

pytestmark = [pytest.mark.template, pytest.mark.slow]


def build_environment() -> dict[str, str]:
    """SAM builds python3.12 functions with a python3.12 on PATH (pyenv's 3.12.1 here, see local.md)."""
    environment = {**os.environ, "SAM_CLI_TELEMETRY": "0"}
    environment.setdefault("PYENV_VERSION", "3.12.1")
    python = shutil.which("python3.12", path=environment.get("PATH"))
    runs = python is not None and (
        subprocess.run([python, "--version"], env=environment, capture_output=True).returncode == 0
    )
    if not runs:
        pytest.skip(
            "sam build for the python3.12 runtime needs a python3.12 on PATH (pyenv: PYENV_VERSION=3.12.1); "
            "none runs here"
        )
    return environment


def copy_tracked_files() -> None:
    """The working tree's tracked files into CHECKOUT, as a clean clone has them; SAM's .aws-sam kept."""
    CHECKOUT.mkdir(parents=True, exist_ok=True)
    for entry in CHECKOUT.iterdir():
        if entry.name != ".aws-sam":
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    for name in filter(None, listed.decode().split("\0")):
        source = ROOT / name
        if source.is_file():
            (CHECKOUT / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, CHECKOUT / name)


def installed(folder: Path) -> dict[str, Distribution]:
    return {canonicalize_name(d.metadata["Name"]): d for d in distributions(path=[str(folder)])}


def missing_requirements(requirements: Path, folder: Path) -> list[str]:
    """The requirements (and what their extras pull in) that are not installed in `folder`."""
    present = installed(folder)
    missing = []
    for line in requirements.read_text().splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        requirement = Requirement(line)
        distribution = present.get(canonicalize_name(requirement.name))
        if distribution is None:
            missing.append(requirement.name)
            continue
        for extra in requirement.extras:
            for needed in map(Requirement, distribution.requires or []):
                applies = needed.marker is None or needed.marker.evaluate(
                    {**LAMBDA_ENVIRONMENT, "extra": extra}
                )
                if applies and canonicalize_name(needed.name) not in present:
                    missing.append(f"{needed.name} (for {requirement.name}[{extra}])")
    return missing


def not_aarch64(folder: Path) -> list[str]:
    """Compiled libraries (ELF files) built for another machine than AArch64."""
    wrong = []
    for path in folder.rglob("*.so*"):
        if not path.is_file():
            continue
        with path.open("rb") as file:
            header = file.read(20)
        if header[:4] == b"\x7fELF" and int.from_bytes(header[18:20], "little") != ELF_MACHINE_AARCH64:
            wrong.append(str(path.relative_to(folder)))
    return wrong


@pytest.mark.timeout(1500)
def test_sam_build_from_the_tracked_files_holds_every_handler_and_its_dependencies() -> None:
    environment = build_environment()
    sam = shutil.which("sam")
    if sam is None:
        pytest.fail("sam is not on PATH: run the tests with `make test`, which installs it")
    copy_tracked_files()
    result = subprocess.run(
        [sam, "build", "--cached", "--parallel"],
        cwd=CHECKOUT,
        env=environment,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]

    built = CHECKOUT / ".aws-sam" / "build"
    template = load_template(CHECKOUT)
    problems: list[str] = []
    for spec in template.functions.values():
        folder = built / spec.logical_id
        module = spec.handler.rsplit(".", 1)[0].replace(".", "/")
        if not (folder / f"{module}.py").is_file():
            problems.append(f"{spec.logical_id}: no {module}.py")
        problems += [
            f"{spec.logical_id}: {m}"
            for m in missing_requirements(spec.code_dir / "requirements.txt", folder)
        ]
        problems += [f"{spec.logical_id}: {p} is not AArch64" for p in not_aarch64(folder)]
        # Handlers import planalign from the layer, not from their own folder.
        if (folder / "planalign").exists():
            problems.append(f"{spec.logical_id}: carries its own copy of planalign")
    layer = built / "PlanAlignLayer" / "python"
    if not (layer / "planalign" / "__init__.py").is_file():
        problems.append("PlanAlignLayer: no python/planalign package")
    problems += [
        f"PlanAlignLayer: {m}" for m in missing_requirements(CHECKOUT / "shared" / "requirements.txt", layer)
    ]
    problems += [f"PlanAlignLayer: {p} is not AArch64" for p in not_aarch64(layer)]
    assert problems == []
    # Every compiled extension is for the runtime's CPython.
    extensions = [p.name for p in built.rglob("*.cpython-*.so")]
    assert extensions and all(re.search(r"cpython-312-aarch64-linux-gnu", name) for name in extensions)

    # Precompiled for the runtime (`make build`): every module has its .pyc, so no cold start compiles.
    python = shutil.which("python3.12", path=environment.get("PATH"))
    assert python is not None
    precompiled = subprocess.run(
        [python, str(CHECKOUT / "scripts" / "precompile_build.py"), str(built)],
        env=environment,
        capture_output=True,
        text=True,
    )
    assert precompiled.returncode == 0, precompiled.stdout[-3000:] + precompiled.stderr[-3000:]
    uncompiled = [
        str(source.relative_to(built))
        for source in built.rglob("*.py")
        if not (source.parent / "__pycache__" / f"{source.stem}.cpython-312.pyc").is_file()
    ]
    assert uncompiled == []
