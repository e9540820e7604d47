"""Serialized sample workflows shipped with the embedded admin (data only; see README.md)."""
