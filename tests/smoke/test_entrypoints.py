"""Smoke tier: every prefect.yaml entrypoint imports and is a Prefect flow; every template renders."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
import yaml
from prefect import Flow

ROOT = Path(__file__).resolve().parents[2]
DEPLOYMENTS = yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))["deployments"]


def test_prefect_yaml_declares_deployments():
    names = [deployment["name"] for deployment in DEPLOYMENTS]
    assert "season-review" in names
    assert len(names) == len(set(names)), "deployment names must be unique"


@pytest.mark.parametrize("deployment", DEPLOYMENTS, ids=lambda d: d["name"])
def test_entrypoint_imports_as_a_flow(deployment):
    path, function = deployment["entrypoint"].split(":")
    assert (ROOT / path).exists(), f"{path} does not exist"
    module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
    target = getattr(module, function)
    assert isinstance(target, Flow), f"{deployment['entrypoint']} is not a Prefect flow"
    for parameter in deployment.get("parameters", {}):
        assert parameter in target.parameters.properties, f"{deployment['name']}: unknown parameter {parameter}"


def test_every_template_parses():
    from reports.render import TEMPLATES, environment

    templates = sorted(p.name for p in TEMPLATES.glob("*.j2"))
    assert templates, "no template found"
    for name in templates:
        environment().get_template(name)
