"""The embedded Flyte Admin: a real gRPC AdminService on SQLite, faithful to flyteadmin v1.16.8.

It serves the sandbox (``--sandbox``, ``flyte-reconciler sandbox serve``), the demo and every
integration test. The specification is flyteadmin's observable behaviour (validation rules and their
status codes, server-filled fields, quirks such as inherited attribute reads and cascading deletes).

Deliberate differences from flyteadmin:
- a duplicate CreateExecution name answers ALREADY_EXISTS *without* first overwriting the stored
  inputs of the existing execution (flyteadmin's data-loss bug is not copied);
- SQLite unique violations answer ALREADY_EXISTS as Postgres ones do (flyteadmin on SQLite would
  answer INTERNAL);
- "different structure" messages do not carry flyteadmin's JSON-patch diff (the text is not a
  stable API anyway);
- workflows are not compiled: a workflow's task references must exist, node bindings are not
  type-checked; executions follow a simulated lifecycle instead of propeller events.
"""

from reconciler.localadmin.server import LocalAdmin

__all__ = ["LocalAdmin"]
