"""Executions without a cluster: what a launch targets (``targets``), how inputs are checked and
computed (``inputs``), ListExecutions' filter columns (``listing``) and the simulated phase lifecycle
(``lifecycle``). The servicer that answers the RPCs is ``service.executions``."""
