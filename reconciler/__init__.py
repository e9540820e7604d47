"""flyte-reconciler: a declarative GitOps reconciler for the Flyte (v1) Admin API."""

__version__ = "0.2.0"
