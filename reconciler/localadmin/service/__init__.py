"""The gRPC face of the embedded admin: one servicer mixin per Admin area (projects, entities, launch
plans, attributes, executions) composed in ``servicer``, plus what every handler shares — status
errors (``status``), the list grammar (``filters``) and the request checks flyteadmin makes before it
stores anything (``task_checks``, ``schedules``)."""
