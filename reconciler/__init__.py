"""flyte-reconciler: a declarative GitOps reconciler for the Flyte (v1) Admin API."""

__version__ = "0.1.0"
