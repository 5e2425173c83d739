"""The store's URL: a local folder by default, file:// and s3:// URLs, anything else refused in one line."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from flows.cli import main
from flows.settings import SettingsError, load_settings
from warehouse.store_url import SCHEMES, RemoteStore, parse_store_url

SECRET = "wJalrXUtnFEMI-K7MDENG-bPxRfiCY"


def test_the_store_is_a_folder_of_the_home_unless_told(tmp_path):
    assert load_settings({"VIGIE_HOME": str(tmp_path)}).store_dir == tmp_path / "store"


@pytest.mark.parametrize("variable", ["VIGIE_STORE_URL", "VIGIE_STORE_DIR"])
def test_a_path_or_a_file_url_is_a_local_folder_under_either_name(tmp_path, variable):
    for given in (str(tmp_path / "elsewhere"), f"file://{tmp_path}/elsewhere", f"file://localhost{tmp_path}/elsewhere"):
        settings = load_settings({"VIGIE_HOME": str(tmp_path), variable: given})
        assert settings.store_dir == tmp_path / "elsewhere", given


def test_the_new_name_wins_over_the_former_one(tmp_path):
    env = {"VIGIE_HOME": str(tmp_path), "VIGIE_STORE_URL": str(tmp_path / "new"), "VIGIE_STORE_DIR": "old"}
    assert load_settings(env).store_dir == tmp_path / "new"


@pytest.mark.skipif("s3" not in SCHEMES, reason="S3 comes with the Delta Lake store")
def test_an_s3_url_keeps_its_credentials_out_of_every_print(tmp_path):
    env = {
        "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE",
        "AWS_SECRET_ACCESS_KEY": SECRET,
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
    }
    location = parse_store_url("s3://vigie-bucket/programme/store/", Path("unused"), env)
    assert isinstance(location, RemoteStore) and str(location) == "s3://vigie-bucket/programme/store"
    assert location.options["aws_secret_access_key"] == SECRET and location.options["aws_allow_http"] == "true"
    assert SECRET not in repr(location) and SECRET not in str(location)
    settings = load_settings({"VIGIE_HOME": str(tmp_path), "VIGIE_STORE_URL": "s3://vigie-bucket/x", **env})
    assert SECRET not in repr(settings)


@pytest.mark.parametrize(
    "url",
    ["ftp://files.example.bj/store", "gs://bucket/store", "s3:/bucket/store", "s3://", "hdfs://nn/store",
     f"s3://AKID:{SECRET}@bucket/store"],
)  # fmt: skip
def test_an_unsupported_store_url_is_refused_in_one_line_with_exit_code_2(vigie_home, monkeypatch, url):
    if url.startswith("s3") and "s3" not in SCHEMES:
        pytest.skip("S3 comes with the Delta Lake store")
    monkeypatch.setenv("VIGIE_STORE_URL", url)
    with pytest.raises(SettingsError, match="VIGIE_STORE_URL"):
        load_settings()
    result = CliRunner().invoke(main, ["outbox", "list"])
    assert result.exit_code == 2, result.output
    assert "VIGIE_STORE_URL" in result.output and len(result.output.strip().splitlines()) == 1
    assert SECRET not in result.output and "Traceback" not in result.output
