"""Backfills as a converging resource (pure core: no I/O, no grpc/flyteidl/click, no clock).

- ``schedule``: kickoff instants of a schedule over ``[from, to)``.
- ``names``: deterministic run names and labels (a fixed format: changing it duplicates runs).
- ``model``: the frozen spec / observed run / plan values.
- ``progress``: observed runs matched to instants; ETA.
- ``planner``: ``plan_backfill`` — what to launch or recover now.
- ``actions``: turning a BackfillPlan into the plan's action values.
"""

from reconciler.backfill.model import BackfillPlan, BackfillSpec, LaunchRun, RecoverRun, RunState
from reconciler.backfill.names import execution_name, labels, retry_name
from reconciler.backfill.planner import plan_backfill
from reconciler.backfill.schedule import kickoff_times

__all__ = ["BackfillPlan", "BackfillSpec", "LaunchRun", "RecoverRun", "RunState", "execution_name", "kickoff_times",
           "labels", "plan_backfill", "retry_name"]
