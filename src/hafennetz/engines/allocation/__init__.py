"""Allocation engine: households -> municipalities (issues 3 and 12). Pure Python, no Django.

Public API (docs/allocation/methods.md, ADR 0024)::

    issues = validate(instance)                 # [] when usable; Issue(code, params, message)
    result = allocate(instance, Options(seed=1, budget=Budget(work=60, time_cap=300)),
                      progress=on_progress, should_stop=cancelled)
    result = run_in_subprocess(instance, options, progress=..., should_stop=...)  # servers
    data = result.to_dict(); AllocationResult.from_dict(data)
    dyn = allocate_dynamic(instance, batches, forecast=last_year, seed=1,
                           batch_budget=Budget(work=10), progress=..., should_stop=...)
    dyn = run_dynamic_in_subprocess(instance, batches, ...)  # the same in its own process
    DynamicResult.from_dict(dyn.to_dict())      # cancelled: dyn.stopped_by, dyn.batches_done

`allocate` is reproducible: the same input (`fingerprint`), seed, `ENGINE_VERSION` and
`Budget` give the same assignment on any machine under any load, unless the safety cap or a
cancellation stopped it (`result.stopped_by`).
"""

from ..issues import Issue
from .checker import CheckReport, check
from .control import Budget, Progress, Status
from .dynamic import DynamicResult, allocate_dynamic
from .engine import ENGINE_VERSION, Options, allocate
from .large import LargePlan
from .model import (
    Aggregation,
    AllocationResult,
    Alternative,
    DistributionKey,
    Household,
    HouseholdExplanation,
    Instance,
    Link,
    LinkKind,
    Method,
    Municipality,
    MunicipalityExplanation,
    Reason,
    ResourceUse,
    ScoreBreakdown,
    ScoreWeights,
)
from .serialize import fingerprint, instance_from_dict, instance_to_dict
from .validate import validate
from .worker import WorkerError, run_dynamic_in_subprocess, run_in_subprocess

__all__ = [
    "ENGINE_VERSION",
    "Aggregation",
    "AllocationResult",
    "Alternative",
    "Budget",
    "CheckReport",
    "DistributionKey",
    "DynamicResult",
    "Household",
    "HouseholdExplanation",
    "Instance",
    "Issue",
    "LargePlan",
    "Link",
    "LinkKind",
    "Method",
    "Municipality",
    "MunicipalityExplanation",
    "Options",
    "Progress",
    "Reason",
    "ResourceUse",
    "ScoreBreakdown",
    "ScoreWeights",
    "Status",
    "WorkerError",
    "allocate",
    "allocate_dynamic",
    "check",
    "fingerprint",
    "instance_from_dict",
    "instance_to_dict",
    "run_dynamic_in_subprocess",
    "run_in_subprocess",
    "validate",
]
