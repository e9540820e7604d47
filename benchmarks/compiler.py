"""The workflow compiler's cost: milliseconds per workflow over the golden flytekit workflows of
tests/fixtures/compiled-workflows (linear chains, fan-out/in, branches, maps, sub-workflows, launch-plan
nodes, dataclasses, unions), inputs prepared beforehand as CreateWorkflow has them. Target: < 2 ms."""

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
    per_round = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        for template, subs, tasks_in, plans_in in prepared:
            compile_workflow(template, subs, tasks_in, plans_in)
        per_round.append((time.perf_counter() - started) / len(prepared))
    per_round.sort()
    median, worst = per_round[len(per_round) // 2] * 1000, per_round[-1] * 1000
    return (f"workflow compiler: {median:.2f} ms per workflow (median of {ROUNDS} rounds over {len(prepared)} "
            f"golden workflows; slowest round {worst:.2f} ms; target < 2 ms)")


if __name__ == "__main__":
    print(compiler_timing())
