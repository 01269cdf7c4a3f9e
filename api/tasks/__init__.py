"""Tasks: the Task type and its parts (types), inputs, the reads (queries), the lifecycle
(mutations) and splitting into sub-tasks (subtasks)."""
