"""``flyte-reconciler controller``: continuous reconciliation with a status page, a JSON API and metrics.

Modules: ``sources`` (directory / git snapshots), ``cycle`` (one environment's reconcile through
``engine.make_plan`` and ``apply.apply_plan``), ``policy`` (which actions a sync may apply), ``windows``
(sync windows), ``status`` (status as data), ``store`` (SQLite), ``loop`` (the controller), ``web`` and
``api`` (HTTP), ``metrics``, ``notify``, ``webhook`` (signatures), ``config`` (flags + ``controller:``).
It never plans by itself and never imports click or grpc.
"""
