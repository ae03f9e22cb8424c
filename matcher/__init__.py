"""The matcher bot and its workers: room worker, notices, commands, sync."""
