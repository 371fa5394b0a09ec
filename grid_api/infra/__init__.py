"""Infrastructure every feature uses: database engines, outbox, queues, storage, logs, passwords."""
