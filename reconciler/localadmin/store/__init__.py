"""SQLite persistence of the embedded admin: the connection and write lock (``db``) and the
executions table with its lazy lifecycle refresh (``executions``). Nothing here speaks gRPC: the
servicers turn store results into statuses."""
