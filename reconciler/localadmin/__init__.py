"""The embedded Flyte Admin: a real gRPC AdminService on SQLite, faithful to flyteadmin v1.16.8.

It serves the sandbox (``--sandbox``, ``flyte-reconciler sandbox serve``), the demo and every
integration test. The specification is flyteadmin's observable behaviour (validation rules and their
status codes, server-filled fields, quirks such as inherited attribute reads and cascading deletes).

The map (where to look):
- ``server`` starts and stops it: an asyncio gRPC server on loopback (``dispatch`` runs the
  synchronous servicers on its event loop); ``aids`` holds the testing aids (call counters,
  injected latency, UNAVAILABLE, lost replies); ``seed`` registers ``pyflyte`` output and the
  bundled ``samples``.
- ``service/`` is the gRPC face: one servicer mixin per Admin area (``projects``, ``entities``,
  ``launchplans``, ``attributes``, ``executions``) composed in ``servicer``; ``status`` turns errors
  into gRPC statuses; ``filters`` is the list grammar; ``task_checks`` and ``schedules`` are the
  request checks flyteadmin makes before storing.
- ``store/`` is SQLite: ``db`` (connections, the write lock) and ``executions`` (the executions
  table). It imports no gRPC.
- ``executions/`` is the execution model without a cluster: ``targets``, ``inputs``, ``listing``,
  ``lifecycle``.
- ``auth/`` is the optional OAuth2 server and the test certificate authority.

Deliberate differences from flyteadmin:
- a duplicate CreateExecution name answers ALREADY_EXISTS *without* first overwriting the stored
  inputs of the existing execution (flyteadmin's data-loss bug is not copied);
- SQLite unique violations answer ALREADY_EXISTS as Postgres ones do (flyteadmin on SQLite would
  answer INTERNAL);
- "different structure" messages do not carry flyteadmin's JSON-patch diff (the text is not a
  stable API anyway); digests are SHA-256 over deterministic protobuf serialization, not objecthash;
- workflows are compiled as flyteadmin does (``compiler``: closures, connections, compile errors; its
  docstring lists its own few differences), but executions follow a simulated lifecycle, not propeller's;
- identifiers in NOT_FOUND messages are Python text format, not Go's (neither is byte-stable);
- Go map iteration is random in flyteadmin (which bad label or unbound input is reported first);
  here it follows the request's order;
- no platform task-resource limits are configured, so CreateTask checks quantities and
  request <= limit but never "greater than current limit set in the platform configuration";
- activation has no race: the deactivate-previous/activate-target pair runs under the process-wide
  write lock, so two concurrent activations cannot both end ACTIVE;
- lists without ``sort_by`` come back in a stable order (insertion order; ListProjects and the *Ids
  calls by name) where flyteadmin leaves the database order unspecified.
"""

from reconciler.localadmin.server import LocalAdmin

__all__ = ["LocalAdmin"]
