"""``python -m reliability``: run the reliability test families and write their figures to the docs."""
