"""Culling's verdict (pure): when a notebook is warned, stopped, or left alone, and what its status says."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from nbctl_controller.activity import parse_cpu, parse_jupyter, told
from nbctl_controller.culling import Activity, judge, policy_of, stamp

from jupyter_nbctl.models import NotebookSpec
from jupyter_nbctl.models.culling import CullingPolicy, seconds

POLICY = CullingPolicy(idleAfter="10m", warnBefore="2m", keepAlive="30m")
T0 = 1_800_000_000.0


def _judge(policy=POLICY, now=T0, last_active=T0, unknown_since=None, previous=None, **kw):  # type: ignore[no-untyped-def]
    activity = Activity("pod-1", last_active=last_active, unknown_since=unknown_since, error="refused")
    args = {"running": True, "stopped": False, "started": T0 - 60, "keep_request": None, "previous": previous}
    return judge(policy, now, activity=activity, **{**args, **kw})


def _status(verdict) -> dict:  # type: ignore[no-untyped-def]
    return {"conditions": [verdict.condition], "culling": verdict.culling}


def test_durations_are_read_as_kubernetes_writes_them() -> None:
    assert seconds("1h30m") == 5400 and seconds("90s") == 90 and seconds("2m5s") == 125
    for bad in ("", "5", "1d", "m"):
        with pytest.raises(ValueError, match="is not a duration"):
            seconds(bad)


def test_an_active_notebook_says_its_policy_and_its_status_stays_the_same_as_activity_moves() -> None:
    first = _judge(now=T0 + 60, last_active=T0 + 50)
    later = _judge(now=T0 + 300, last_active=T0 + 290, previous=_status(first))
    assert first.condition == later.condition and first.culling == later.culling  # nothing to write
    assert first.condition["status"] == "False" and first.condition["reason"] == "Active"
    assert "stops after 10 minutes idle" in first.condition["message"]
    assert first.stop is None


def test_an_idle_notebook_is_warned_then_stopped() -> None:
    warned = _judge(now=T0 + 8 * 60)  # the warning time before the stop: it comes on time
    assert warned.condition["status"] == "True" and warned.condition["reason"] == "IdleWarning"
    assert warned.culling["stopAt"] == stamp(T0 + 600) and warned.culling["reason"] == "Idle"
    assert warned.stop is None
    still = _judge(now=T0 + 9 * 60, previous=_status(warned))
    assert still.condition == warned.condition  # one write for the warning, not one per probe
    stopped = _judge(now=T0 + 600, previous=_status(warned))
    assert stopped.stop == "Idle" and stopped.condition["reason"] == "StoppedIdle"
    assert "after 10 minutes idle" in stopped.message


def test_a_notebook_found_long_idle_or_past_its_maximum_is_warned_first_never_stopped_unwarned() -> None:
    # Culling just turned on (or the controller restarted) over a notebook idle for days
    found = _judge(now=T0 + 3 * 86400, last_active=T0)
    assert found.stop is None and found.condition["reason"] == "IdleWarning"
    assert found.culling["stopAt"] == stamp(T0 + 3 * 86400 + 120)  # the full warning time from now
    assert _judge(now=T0 + 3 * 86400 + 60, last_active=T0, previous=_status(found)).stop is None
    assert _judge(now=T0 + 3 * 86400 + 120, last_active=T0, previous=_status(found)).stop == "Idle"
    # The same for a maximum running time a notebook is already past
    capped = CullingPolicy(maxRunning="1h", warnBefore="5m")
    past = _judge(policy=capped, now=T0 + 7200, started=T0)
    assert past.stop is None and past.condition["reason"] == "MaxRunningWarning"
    assert past.culling["stopAt"] == stamp(T0 + 7200 + 300)
    assert _judge(policy=capped, now=T0 + 7500, started=T0, previous=_status(past)).stop == "MaxRunning"


def test_use_during_the_warning_lifts_it() -> None:
    warned = _judge(now=T0 + 9 * 60)
    used = _judge(now=T0 + 9 * 60 + 30, last_active=T0 + 9 * 60 + 20, previous=_status(warned))
    assert used.condition["reason"] == "Active" and used.stop is None


def test_a_stop_it_made_is_remembered_while_the_notebook_stays_stopped_and_forgotten_at_start() -> None:
    stopped = _judge(now=T0 + 600, previous=_status(_judge(now=T0 + 480)))
    assert stopped.stop == "Idle"
    after = _judge(now=T0 + 700, running=False, stopped=True, previous=_status(stopped))
    assert after.condition == stopped.condition and after.stop is None
    started = _judge(now=T0 + 800, running=False, stopped=False, previous=_status(after))
    assert started.condition is None and started.culling is None


def test_keep_running_postpones_an_idle_stop_within_the_templates_bound() -> None:
    asked = stamp(T0 + 10 * 3600)  # ten hours, against a bound of 30 minutes
    kept = _judge(now=T0 + 9 * 60, keep_request=asked)
    assert kept.culling["keptUntil"] == stamp(T0 + 9 * 60 + 1800) and kept.culling["answered"] == asked
    assert kept.condition["reason"] == "Active"
    # the bound holds: once the kept time is near, the warning comes, then the stop
    near = _judge(now=T0 + 9 * 60 + 1800 - 120, keep_request=asked, previous=_status(kept))
    assert near.condition["reason"] == "IdleWarning"
    assert _judge(now=T0 + 9 * 60 + 1800, keep_request=asked, previous=_status(near)).stop == "Idle"


def test_keep_running_is_refused_where_the_template_offers_none() -> None:
    policy = CullingPolicy(idleAfter="10m")
    verdict = _judge(policy=policy, now=T0 + 9 * 60, keep_request=stamp(T0 + 3600))
    assert "keptUntil" not in (verdict.culling or {}) and verdict.condition["reason"] == "IdleWarning"


def test_unknown_activity_never_stops_a_notebook_for_idleness() -> None:
    verdict = _judge(now=T0 + 3600, last_active=T0, unknown_since=T0 + 30)
    assert verdict.stop is None
    assert verdict.condition["status"] == "Unknown" and verdict.condition["reason"] == "ActivityUnknown"
    assert "refused" in verdict.condition["message"]


def test_the_maximum_running_time_stops_a_busy_notebook_with_its_own_reason_and_no_keep_alive() -> None:
    policy = CullingPolicy(idleAfter="10m", maxRunning="1h", keepAlive="30m")
    busy = T0 + 3600
    warned = _judge(policy=policy, now=busy - 300, last_active=busy - 300, started=T0)
    assert warned.condition["reason"] == "MaxRunningWarning"
    assert "cannot be postponed" in warned.condition["message"]
    kept = _judge(
        policy=policy,
        now=busy,
        last_active=busy,
        started=T0,
        keep_request=stamp(busy + 1800),
        previous=_status(warned),
    )
    assert kept.stop == "MaxRunning" and kept.condition["reason"] == "StoppedMaxRunning"
    # and with activity unknown, too: the maximum does not depend on it
    blind = _judge(policy=policy, now=busy, unknown_since=T0, started=T0, previous=_status(warned))
    assert blind.stop == "MaxRunning"


def test_off_means_off() -> None:
    assert policy_of({"spec": {"culling": {}}}, POLICY) is None
    assert policy_of({"spec": {}}, POLICY) == POLICY
    assert policy_of({"spec": {}}, None) is None
    assert _judge(policy=None, now=T0 + 10**6).condition is None


def test_the_default_warning_is_ten_minutes_at_most_half_the_limit() -> None:
    assert CullingPolicy(idleAfter="1h").warning_seconds() == 600
    assert CullingPolicy(idleAfter="30s").warning_seconds() == 15


def test_jupyters_answers_give_the_latest_use_and_a_busy_kernel_is_use_now() -> None:
    status = {"started": "2026-12-01T10:00:00Z", "last_activity": "2026-12-01T10:05:00.123456Z"}
    kernels = [{"execution_state": "idle", "last_activity": "2026-12-01T10:07:00Z"}]
    terminals = [{"last_activity": "2026-12-01T10:09:00Z"}]
    assert stamp(parse_jupyter(status, kernels, terminals, now=T0)) == "2026-12-01T10:09:00Z"
    assert parse_jupyter(status, [{"execution_state": "busy"}], [], now=T0) == T0


def test_cpu_comes_from_the_kubelets_resource_metrics_without_the_guard() -> None:
    text = (
        "# TYPE container_cpu_usage_seconds_total counter\n"
        'container_cpu_usage_seconds_total{container="main",namespace="a",pod="lab-0"} 12.5 1700000000000\n'
        'container_cpu_usage_seconds_total{container="nbctl-guard",namespace="a",pod="lab-0"} 3 17000\n'
        'container_cpu_usage_seconds_total{container="main",namespace="b",pod="x-0"} 1e+00 1700000000000\n'
        "node_cpu_usage_seconds_total 100 1700000000000\n"
    )
    assert parse_cpu(text) == {("a", "lab-0"): 12.5, ("b", "x-0"): 1.0}


def test_the_controller_only_stops_policy_names_every_field_of_a_notebooks_spec() -> None:
    policy = next(yaml.safe_load_all(Path("deploy/policies/controller-only-stops.yaml").read_text()))
    rule = policy["spec"]["validations"][0]["expression"]
    fields = {field.alias or name for name, field in NotebookSpec.model_fields.items()} - {"stopped"}
    missing = {f for f in fields if f"object.spec.?{f} == oldObject.spec.?{f}" not in rule}
    assert not missing, f"a new spec field the controller could change: {missing}"


def test_an_older_keep_running_read_from_a_lagging_cache_does_not_shorten_the_one_granted() -> None:
    first, second = stamp(T0 + 9 * 60 + 20), stamp(T0 + 10 * 3600)
    kept = _judge(
        now=T0 + 9 * 60 + 5,
        keep_request=second,
        previous=_status(_judge(now=T0 + 9 * 60, keep_request=first)),
    )
    lagging = _judge(now=T0 + 9 * 60 + 21, keep_request=first, previous=_status(kept))
    assert lagging.stop is None and lagging.culling["keptUntil"] == kept.culling["keptUntil"]


def test_a_probe_tells_the_notebook_the_conditions_reason_not_status_cullings() -> None:
    warned = _judge(now=T0 + 8 * 60)
    said = json.loads(told({"status": _status(warned)}))
    assert said["reason"] == "IdleWarning" and said["stopAt"] == stamp(T0 + 600)
    assert "answered" not in said and said["message"] == warned.condition["message"]
    assert told({"status": {}}) == "{}"
