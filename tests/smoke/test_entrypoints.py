"""Smoke tier: every prefect.yaml entrypoint imports, every schedule parses, every trigger is well formed."""

from __future__ import annotations

import importlib
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from jinja2 import Environment
from prefect import Flow
from prefect.events import DeploymentTriggerTypes
from pydantic import TypeAdapter

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


SCHEDULE_KEYS = {"cron", "timezone", "slug", "active", "parameters", "day_or"}
TRIGGER_KEYS = {"type", "enabled", "match", "match_related", "expect", "after", "for_each", "posture", "threshold",
                "within", "parameters", "name", "description"}  # fmt: skip
SCHEDULES = [(d["name"], s) for d in DEPLOYMENTS for s in d.get("schedules") or []]
TRIGGERS = [(d["name"], t) for d in DEPLOYMENTS for t in d.get("triggers") or []]


def _flow_of(deployment_name: str):
    deployment = next(d for d in DEPLOYMENTS if d["name"] == deployment_name)
    path, function = deployment["entrypoint"].split(":")
    return getattr(importlib.import_module(path.removesuffix(".py").replace("/", ".")), function)


@pytest.mark.parametrize("name, schedule", SCHEDULES, ids=lambda value: value if isinstance(value, str) else "")
def test_every_schedule_parses(name, schedule):
    from cronsim import CronSim
    from prefect.client.schemas.schedules import CronSchedule

    assert set(schedule) <= SCHEDULE_KEYS, f"{name}: unknown schedule keys {set(schedule) - SCHEDULE_KEYS}"
    assert isinstance(schedule["cron"], str), f"{name}: quote the cron expression"
    ZoneInfo(schedule["timezone"])
    CronSchedule(cron=schedule["cron"], timezone=schedule["timezone"])
    next(CronSim(schedule["cron"], datetime(2026, 1, 1, tzinfo=ZoneInfo(schedule["timezone"]))))
    flow = _flow_of(name)
    for parameter in schedule.get("parameters", {}):
        assert parameter in flow.parameters.properties, f"{name}: schedule sets unknown parameter {parameter}"


@pytest.mark.parametrize("name, trigger", TRIGGERS, ids=lambda value: value if isinstance(value, str) else "")
def test_every_trigger_is_well_formed(name, trigger):
    assert set(trigger) <= TRIGGER_KEYS, f"{name}: unknown trigger keys {set(trigger) - TRIGGER_KEYS}"
    model = TypeAdapter(DeploymentTriggerTypes).validate_python(trigger)
    assert model.posture in ("Reactive", "Proactive")
    assert trigger.get("expect") or trigger.get("after"), f"{name}: a trigger must name the events it reacts to"
    flow = _flow_of(name)
    for parameter, value in (trigger.get("parameters") or {}).items():
        assert parameter in flow.parameters.properties, f"{name}: trigger sets unknown parameter {parameter}"
        if isinstance(value, str) and "{{" in value:
            Environment().parse(value)  # a template that does not parse would fail every run
    missing = set(flow.parameters.required or []) - set(trigger.get("parameters") or {})
    assert not missing, f"{name}: the trigger leaves required parameters unset: {missing}"


def test_scheduled_deployments_follow_the_campaign_calendars():
    from flows.calendars import expected_schedules, load_calendars

    calendars = load_calendars()
    for name, schedules in expected_schedules(calendars).items():
        declared = next((d for d in DEPLOYMENTS if d["name"] == name), None)
        assert declared is not None, f"prefect.yaml lacks the {name} deployment"
        assert declared.get("schedules") == schedules, (
            f"{name}: schedules differ from calendars.yaml (`vigie schedules`)"
        )
    proactive = next(d for d in DEPLOYMENTS if d["name"] == "missing-submission")["triggers"][0]
    assert proactive["posture"] == "Proactive"
    assert proactive["within"] == calendars.missing_window_days * 86400, "missing-submission window != calendars.yaml"


def test_every_deployment_is_documented_and_runs_on_the_process_pool():
    for deployment in DEPLOYMENTS:
        assert len(deployment.get("description") or "") > 20, f"{deployment['name']}: say what starts it, reads, sends"
        assert deployment["work_pool"]["name"] == "vigie-process"


def test_every_deployment_has_a_work_queue_and_intake_always_keeps_a_slot():
    from flows.serve import POOL_CONCURRENCY, QUEUES

    queue_of = {d["name"]: d["work_pool"].get("work_queue_name") for d in DEPLOYMENTS}
    assert set(queue_of.values()) <= set(QUEUES), f"queues not created by vigie serve: {queue_of}"
    assert queue_of["intake"] == min(QUEUES, key=lambda name: QUEUES[name][0]), "the worker takes intake first"
    assert queue_of["deliver-outbox"] != queue_of["intake"]
    others = [limit for name, (_, limit) in QUEUES.items() if name != queue_of["intake"]]
    assert None not in others and sum(others) < POOL_CONCURRENCY, "reviews and delivery never fill the pool"
