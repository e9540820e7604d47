"""The workflow compiler's cost: milliseconds per workflow over the golden flytekit workflows of
tests/fixtures/compiled-workflows (linear chains, fan-out/in, branches, maps, sub-workflows, launch-plan
nodes, dataclasses, unions), inputs prepared beforehand as CreateWorkflow has them. Target: < 2 ms.
CPU time of this process (the machine is shared; wall time is printed too)."""

from __future__ import annotations

import time

from reconciler.localadmin.compiler import compile_workflow, workflow_requirements
from tests.unit.localadmin.compiler import golden

ROUNDS = 50


def compiler_timing() -> str:
    prepared = []
    for case in golden.valid_cases():
        request = golden.request(case)
        request.spec.template.id.CopyFrom(request.id)
        tasks, plans = golden.registered(case)
        task_ids, plan_ids = workflow_requirements(request.spec.template, request.spec.sub_workflows)
        prepared.append((request.spec.template, request.spec.sub_workflows, [tasks[i.name] for i in task_ids],
                         [plans[i.name] for i in plan_ids]))
    cpu, wall = [], []
    for _ in range(ROUNDS):
        cpu_start, wall_start = time.process_time(), time.perf_counter()
        for template, subs, tasks_in, plans_in in prepared:
            compile_workflow(template, subs, tasks_in, plans_in)
        cpu.append((time.process_time() - cpu_start) / len(prepared) * 1000)
        wall.append((time.perf_counter() - wall_start) / len(prepared) * 1000)
    cpu.sort()
    wall.sort()
    return (f"workflow compiler: {cpu[ROUNDS // 2]:.2f} ms CPU per workflow (median of {ROUNDS} rounds over "
            f"{len(prepared)} golden workflows; best round {cpu[0]:.2f} ms; wall median {wall[ROUNDS // 2]:.2f} ms, "
            f"best {wall[0]:.2f} ms; target < 2 ms)")


if __name__ == "__main__":
    print(compiler_timing())
