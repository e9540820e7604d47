#!/usr/bin/env python
"""Generate the sample workflows the embedded admin ships (reconciler/localadmin/samples/*.pb).

Each sample is one python task plus a workflow with a single node calling it, and the workflow's
default launch plan, written as ``pyflyte package``/``pyflyte serialize`` write them: a TaskSpec
(``<n>_<task>_1.pb``), a WorkflowSpec (``<n>_<workflow>_2.pb``) and a LaunchPlan (``<n>_<workflow>_3.pb``),
with zero-padded indices so file-name order is registration order, and with the
``{{ registration.project }}`` / ``{{ registration.domain }}`` / ``{{ registration.version }}``
placeholders in every identifier. Built with flyteidl protos only: no flytekit needed.

The sample names and interfaces are a contract with ``manifests/`` and the docs; change them only together.

Usage: python scripts/make_sample_workflows.py [OUTPUT_DIR]
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from flyteidl.admin import common_pb2, description_entity_pb2, launch_plan_pb2, task_pb2, workflow_pb2
from flyteidl.core import identifier_pb2, interface_pb2, literals_pb2, tasks_pb2, types_pb2
from flyteidl.core import workflow_pb2 as core_wf

PROJECT = "{{ registration.project }}"
DOMAIN = "{{ registration.domain }}"
VERSION = "{{ registration.version }}"
IMAGE = "cr.flyte.org/flyteorg/flytekit:py3.11-1.16.0"
DEFAULT_OUT = Path(__file__).resolve().parent.parent / "reconciler" / "localadmin" / "samples"

ST = types_pb2.SimpleType
REQUIRED = object()  # marks an input without a Python default


@dataclass(frozen=True)
class Input:
    name: str
    kind: str  # datetime | str | int | float | bool | duration | list[str] | dict[str, str]
    default: object = REQUIRED


@dataclass(frozen=True)
class Sample:
    workflow: str  # "<module>.<function>"
    description: str
    inputs: tuple[Input, ...]


SAMPLES = (
    Sample("reports.daily_report", "Builds the daily revenue report for one region.", (
        Input("run_date", "datetime"), Input("region", "str", "us"), Input("limit", "int", 100),
        Input("dry_run", "bool", False))),
    Sample("etl.ingest", "Ingests new rows from a source since a point in time.", (
        Input("since", "datetime"), Input("source", "str"), Input("batch_size", "int", 500),
        Input("threshold", "float", 0.5), Input("tables", "list[str]", ("events",)))),
    Sample("ml.train_model", "Trains a model on a dataset.", (
        Input("dataset", "str"), Input("learning_rate", "float", 0.01), Input("epochs", "int", 10),
        Input("params", "dict[str, str]", {}), Input("timeout", "duration", timedelta(hours=1)))),
    Sample("ml.evaluate", "Evaluates a trained model.", (
        Input("model_uri", "str"), Input("metrics", "list[str]", ("accuracy",)))),
    Sample("ops.cleanup", "Deletes intermediate data older than a number of days.", (
        Input("kickoff", "datetime"), Input("older_than_days", "int", 30))),
)

_SIMPLE = {"datetime": ST.DATETIME, "str": ST.STRING, "int": ST.INTEGER, "float": ST.FLOAT,
           "bool": ST.BOOLEAN, "duration": ST.DURATION}


def literal_type(kind: str) -> types_pb2.LiteralType:
    if kind in _SIMPLE:
        return types_pb2.LiteralType(simple=_SIMPLE[kind])
    if kind == "list[str]":
        return types_pb2.LiteralType(collection_type=types_pb2.LiteralType(simple=ST.STRING))
    if kind == "dict[str, str]":
        return types_pb2.LiteralType(map_value_type=types_pb2.LiteralType(simple=ST.STRING))
    raise ValueError(f"unsupported sample input type {kind}")


def literal(kind: str, value: object) -> literals_pb2.Literal:
    if kind == "list[str]":
        assert isinstance(value, tuple | list)
        return literals_pb2.Literal(collection=literals_pb2.LiteralCollection(
            literals=[literal("str", v) for v in value]))
    if kind == "dict[str, str]":
        assert isinstance(value, dict)
        return literals_pb2.Literal(map=literals_pb2.LiteralMap(
            literals={k: literal("str", v) for k, v in value.items()}))
    primitive = literals_pb2.Primitive()
    if kind == "str":
        primitive.string_value = str(value)
    elif kind == "bool":
        primitive.boolean = bool(value)
    elif kind == "int":
        primitive.integer = int(value)  # type: ignore[call-overload]
    elif kind == "float":
        primitive.float_value = float(value)  # type: ignore[arg-type]
    elif kind == "duration":
        assert isinstance(value, timedelta)
        primitive.duration.FromTimedelta(value)
    else:
        raise ValueError(f"no default literal for {kind}")
    return literals_pb2.Literal(scalar=literals_pb2.Scalar(primitive=primitive))


def _id(resource_type: int, name: str) -> identifier_pb2.Identifier:
    return identifier_pb2.Identifier(resource_type=resource_type, project=PROJECT, domain=DOMAIN, name=name,
                                     version=VERSION)


def _interface(sample: Sample) -> interface_pb2.TypedInterface:
    variables = {i.name: interface_pb2.Variable(type=literal_type(i.kind), description=i.name)
                 for i in sample.inputs}
    return interface_pb2.TypedInterface(inputs=interface_pb2.VariableMap(variables=variables),
                                        outputs=interface_pb2.VariableMap())


def task_spec(sample: Sample) -> task_pb2.TaskSpec:
    module, function = sample.workflow.split(".")
    task_name = f"{sample.workflow}_task"
    args = ["pyflyte-execute", "--inputs", "{{.input}}", "--output-prefix", "{{.outputPrefix}}",
            "--raw-output-data-prefix", "{{.rawOutputDataPrefix}}",
            "--checkpoint-path", "{{.checkpointOutputPrefix}}",
            "--prev-checkpoint", "{{.prevCheckpointPrefix}}", "--resolver",
            "flytekit.core.python_auto_container.default_task_resolver", "--", "task-module", module,
            "task-name", f"{function}_task"]
    template = tasks_pb2.TaskTemplate(
        id=_id(identifier_pb2.TASK, task_name), type="python-task",
        metadata=tasks_pb2.TaskMetadata(runtime=tasks_pb2.RuntimeMetadata(
            type=tasks_pb2.RuntimeMetadata.FLYTE_SDK, version="1.16.0", flavor="python"),
            retries=literals_pb2.RetryStrategy()),
        interface=_interface(sample),
        container=tasks_pb2.Container(image=IMAGE, args=args, resources=tasks_pb2.Resources()))
    return task_pb2.TaskSpec(template=template)


def workflow_spec(sample: Sample) -> workflow_pb2.WorkflowSpec:
    task_name = f"{sample.workflow}_task"
    bindings = [literals_pb2.Binding(var=i.name, binding=literals_pb2.BindingData(
        promise=types_pb2.OutputReference(node_id="start-node", var=i.name))) for i in sample.inputs]
    node = core_wf.Node(id="n0", metadata=core_wf.NodeMetadata(name=task_name.split(".")[-1],
                                                               retries=literals_pb2.RetryStrategy()),
                        inputs=bindings,
                        task_node=core_wf.TaskNode(reference_id=_id(identifier_pb2.TASK, task_name)))
    template = core_wf.WorkflowTemplate(
        id=_id(identifier_pb2.WORKFLOW, sample.workflow),
        metadata=core_wf.WorkflowMetadata(on_failure=core_wf.WorkflowMetadata.FAIL_IMMEDIATELY),
        metadata_defaults=core_wf.WorkflowMetadataDefaults(interruptible=False),
        interface=_interface(sample), nodes=[node])
    return workflow_pb2.WorkflowSpec(template=template, description=description_entity_pb2.DescriptionEntity(
        short_description=sample.description))


def launch_plan(sample: Sample) -> launch_plan_pb2.LaunchPlan:
    params = {}
    for i in sample.inputs:
        var = interface_pb2.Variable(type=literal_type(i.kind), description=i.name)
        if i.default is REQUIRED:
            params[i.name] = interface_pb2.Parameter(var=var, required=True)
        else:
            params[i.name] = interface_pb2.Parameter(var=var, default=literal(i.kind, i.default))
    spec = launch_plan_pb2.LaunchPlanSpec(
        workflow_id=_id(identifier_pb2.WORKFLOW, sample.workflow),
        entity_metadata=launch_plan_pb2.LaunchPlanMetadata(),
        default_inputs=interface_pb2.ParameterMap(parameters=params), fixed_inputs=literals_pb2.LiteralMap(),
        labels=common_pb2.Labels(), annotations=common_pb2.Annotations(),
        raw_output_data_config=common_pb2.RawOutputDataConfig())
    return launch_plan_pb2.LaunchPlan(id=_id(identifier_pb2.LAUNCH_PLAN, sample.workflow), spec=spec)


def write_samples(out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.pb"):
        old.unlink()
    written = []
    entities: list[tuple[str, int, bytes]] = []
    for sample in SAMPLES:
        # Dependency order, as pyflyte writes it: the task, the workflow calling it, its launch plan.
        task = task_spec(sample)
        entities.append((task.template.id.name, 1, task.SerializeToString(deterministic=True)))
        entities.append((sample.workflow, 2, workflow_spec(sample).SerializeToString(deterministic=True)))
        entities.append((sample.workflow, 3, launch_plan(sample).SerializeToString(deterministic=True)))
    width = len(str(len(entities) - 1))
    for index, (name, kind, data) in enumerate(entities):
        path = out / f"{str(index).zfill(width)}_{name}_{kind}.pb"
        path.write_bytes(data)
        written.append(path)
    return written


def main(argv: list[str]) -> int:
    out = Path(argv[1]) if len(argv) > 1 else DEFAULT_OUT
    for path in write_samples(out):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
