"""Background work on RQ: the worker, the outbox relay and the jobs it delivers."""
