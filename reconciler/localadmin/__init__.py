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

Reproduced as a running flyteadmin v1.16.8 was seen to behave (behaviour §11), because each one once hid
a real problem from the tests: executions store the request's labels, else the launch plan's (never the
project's or the workflow-execution-config's), and only the request's labels and tags become filterable
tag rows; the ``execution_tag`` filter joins on the execution *name* alone (duplicates and leaks across
projects included); a create that fails ALREADY_EXISTS leaves its new tag rows behind; ``maxLabelEntries``
/ ``maxAnnotationEntries`` (``LocalAdminConfig``, 0 = unlimited) apply to the resolved maps; a description
over 300 characters is UNKNOWN "value too long for type character varying(300)"; a single-task execution
registers ``.flytegen.<task>`` and names that workflow in ``closure.workflow_id``; ``security_context`` is
stored as ``run_as: {}`` when nothing resolved; timestamps have microsecond precision; merged plugin
overrides are not sorted; identifiers in messages are Go protobuf text; cron schedules are read by
``reconciler.model.cron`` (robfig/cron ``ParseStandard``), a ``TZ=`` prefix with nothing after it being
INTERNAL with no message (Go panics). The ``no_cluster`` testing aid (``Aids``, ``sandbox serve
--inject-no-cluster``) stores every new execution FAILED with a SYSTEM ``Internal`` error, as an Admin
without a reachable cluster does.

Known differences from flyteadmin, and why each is harmless:
- a duplicate CreateExecution name answers ALREADY_EXISTS *without* first overwriting the stored
  inputs of the existing execution (flyteadmin's data-loss bug is not copied; a client that reuses a
  name with other inputs is wrong either way, and the tool never does);
- SQLite unique violations answer ALREADY_EXISTS as Postgres ones do (flyteadmin on SQLite would
  answer INTERNAL; the tool targets the Postgres deployment);
- "different structure" messages do not carry flyteadmin's JSON-patch diff (the text is not a
  stable API; codes and typed details are the same); digests are SHA-256 over deterministic protobuf
  serialization, not objecthash (only equality of digests is observable);
- workflows are compiled as flyteadmin does (``compiler``: closures, connections, compile errors; its
  docstring lists its own few differences); the ``.flytegen`` workflow's node id is the task name with
  other characters as ``-`` and its launch plan stays INACTIVE (neither is read by any client we know);
- without the ``no_cluster`` aid, executions follow a simulated lifecycle instead of staying UNDEFINED
  until propeller reports (tests need runs that finish; phases and errors have Admin's shapes); the
  ``no_cluster`` error message names a missing namespace, where a real one quotes whatever the cluster
  answered (only the kind, code and the "failed to create workflow in propeller" prefix are stable);
- annotations fall back to the WORKFLOW_EXECUTION_CONFIG's when neither the request nor the launch plan
  has any (only labels were observed on a real Admin; annotations are neither filterable nor read back
  by the tool); project labels are never added anywhere, since they only reach the cluster object;
- identifiers in messages use one space between fields (real builds print one or two; neither is
  byte-stable, and clients match on codes);
- Go map iteration is random in flyteadmin (which bad label or unbound input is reported first, the
  order of merged plugin overrides); here it follows the request's (or insertion) order, one of the
  orders Go can give;
- no platform task-resource limits are configured, so CreateTask checks quantities and
  request <= limit but never "greater than current limit set in the platform configuration" (a
  deployment setting, not behaviour);
- activation has no race: the deactivate-previous/activate-target pair runs under the process-wide
  write lock, so two concurrent activations cannot both end ACTIVE (the reconciler repairs two active
  versions anyway, tested with planned states);
- lists without ``sort_by`` come back in a stable order (insertion order; ListProjects and the *Ids
  calls by name) where flyteadmin leaves the database order unspecified (every client must sort or
  tolerate any order; the tool sorts).
"""

from reconciler.localadmin.server import LocalAdmin

__all__ = ["LocalAdmin"]
