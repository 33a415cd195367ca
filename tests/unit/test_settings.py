"""Settings: defaults on a laptop, a clear failure in Lambda when the template's environment is missing."""

import pytest
from planalign.settings import MissingSetting, get_settings


def test_in_lambda_a_missing_table_or_bucket_fails_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "WorkspacesApiFunction")
    monkeypatch.delenv("TABLE_NAME", raising=False)
    monkeypatch.setenv("BUCKET_NAME", "b")
    get_settings.cache_clear()
    with pytest.raises(MissingSetting, match="TABLE_NAME"):
        get_settings()
    monkeypatch.setenv("TABLE_NAME", "t")
    get_settings.cache_clear()
    assert get_settings().table_name == "t"
    get_settings.cache_clear()


def test_outside_lambda_the_defaults_apply(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_LAMBDA_FUNCTION_NAME", raising=False)
    monkeypatch.delenv("TABLE_NAME", raising=False)
    get_settings.cache_clear()
    assert get_settings().table_name == "planalign"
    get_settings.cache_clear()
