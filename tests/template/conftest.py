"""template.yaml as CloudFormation: transformed with SAM's own translator (the SAM CLI's), as `sam deploy`
would transform it."""

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Code locations become S3 URIs (nothing is uploaded); the state machine's definition is inlined, so
# that what reads the result (checkov) sees its states.
TRANSFORM = """
import json, sys
from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse
class NoManagedPolicies:
    def load(self):
        return {}
document = yaml_parse(open("template.yaml").read())
for name, resource in document["Resources"].items():
    properties = resource.get("Properties", {})
    for key in ("CodeUri", "ContentUri"):
        if isinstance(properties.get(key), str):
            properties[key] = "s3://bucket/" + name
    if isinstance(properties.get("DefinitionUri"), str):
        properties["Definition"] = json.load(open(properties.pop("DefinitionUri")))
json.dump(transform(document, {"AWS::Region": "us-east-1"}, NoManagedPolicies()), sys.stdout, default=str)
"""


@pytest.fixture(scope="session")
def transformed() -> dict[str, Any]:
    sam = shutil.which("sam")
    if sam is None:
        pytest.fail("sam is not on PATH: run the tests with `make test`, which installs it")
    python = Path(sam).resolve().parent / "python"
    result = subprocess.run(
        [str(python), "-c", TRANSFORM],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"AWS_DEFAULT_REGION": "us-east-1", "PATH": ""},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    document: dict[str, Any] = json.loads(result.stdout)
    return document


@pytest.fixture(scope="session")
def resources() -> dict[str, Any]:
    """template.yaml's resources as written (before SAM's transform)."""
    from planalign.local.template import load_template

    found: dict[str, Any] = load_template(ROOT).resources
    return found
