from flytekit import LaunchPlan, task, workflow


@task
def double(x: int) -> int:
    return x * 2


@task
def add(a: int, b: int) -> int:
    return a + b


@workflow
def pipeline(x: int = 3) -> int:
    return add(a=double(x=x), b=x)


nightly = LaunchPlan.get_or_create(pipeline, name="wfs.etl.nightly", default_inputs={"x": 5})
