"""Compile errors as flytepropeller's compiler collects and prints them.

Errors are collected into nested scopes: a scope "has errors" when it or one of its children collected one,
which is how the Go compiler decides whether to go on after a failed step. The root keeps a set (an error
found twice is reported once) and prints it sorted by code, then by text:
``Collected Errors: N`` followed by ``\\tError i: Code: <code>, Node Id: <id>, Description: <text>`` lines.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CompileError:
    code: str
    node_id: str
    description: str

    def __str__(self) -> str:
        return f"Code: {self.code}, Node Id: {self.node_id}, Description: {self.description}"


class ErrorScope:
    """A scope of collected errors; every scope shares its root's set of errors."""
    __slots__ = ("_count", "_found", "_parent")

    def __init__(self, parent: ErrorScope | None = None) -> None:
        self._parent = parent
        self._count = 0
        self._found: dict[CompileError, None] = {} if parent is None else parent._found

    def scope(self) -> ErrorScope:
        return ErrorScope(self)

    def collect(self, code: str, node_id: str, description: str) -> None:
        scope: ErrorScope | None = self
        while scope is not None:
            scope._count += 1
            scope = scope._parent
        self._found[CompileError(code, node_id, description)] = None

    @property
    def has_errors(self) -> bool:
        return self._count > 0

    @property
    def errors(self) -> list[CompileError]:
        return sorted(self._found, key=lambda e: (e.code, str(e)))

    def __str__(self) -> str:
        found = self.errors
        lines = [f"Collected Errors: {len(found)}\n"]
        lines += [f"\tError {i}: {error}\n" for i, error in enumerate(found)]
        return "".join(lines)


class CompileErrors(Exception):
    """Raised when a workflow does not compile; its text is the Go compiler's error list."""

    def __init__(self, collected: ErrorScope) -> None:
        super().__init__()
        self.collected = collected

    @property
    def errors(self) -> list[CompileError]:
        return self.collected.errors

    def __str__(self) -> str:
        return str(self.collected)


# The texts of flytepropeller's error constructors (compiler/errors/compiler_errors.go), by code.
def value_required(errs: ErrorScope, node_id: str, param: str) -> None:
    errs.collect("ValueRequired", node_id, f"Value required [{param}].")


def parameter_not_bound(errs: ErrorScope, node_id: str, param: str) -> None:
    errs.collect("ParameterNotBound", node_id, f"Parameter not bound [{param}].")


def variable_not_found(errs: ErrorScope, node_id: str, variable: str) -> None:
    errs.collect("VariableNameNotFound", node_id, f"Variable [{variable}] not found on node [{node_id}].")


def workflow_not_found(errs: ErrorScope, node_id: str, reference: str) -> None:
    errs.collect("WorkflowReferenceNotFound", node_id, f"Referenced Workflow [{reference}] not found.")


def task_not_found(errs: ErrorScope, node_id: str, reference: str) -> None:
    errs.collect("TaskReferenceNotFound", node_id, f"Referenced Task [{reference}] not found.")


def node_not_found(errs: ErrorScope, node_id: str) -> None:
    errs.collect("NodeReferenceNotFound", node_id, f"Referenced node [{node_id}] not found.")


def mismatching_types(errs: ErrorScope, node_id: str, variable: str, from_type: str, to_type: str) -> None:
    errs.collect("MismatchingTypes", node_id,
                 f"Variable [{variable}] (type [{from_type}]) doesn't match expected type [{to_type}].")


def mismatching_variables(errs: ErrorScope, node_id: str, out_var: str, out_type: str, in_var: str,
                          in_type: str) -> None:
    errs.collect("MismatchingTypes", node_id,
                 f"The output variable '{out_var}' has type [{out_type}], but it's assigned to the input variable "
                 f"'{in_var}' which has type type [{in_type}].")


def mismatching_bindings(errs: ErrorScope, node_id: str, param: str, expected: str, received: str) -> None:
    errs.collect("MismatchingBindings", node_id,
                 f"Input [{param}] on node [{node_id}] expects bindings of type [{expected}].  Received [{received}]")
