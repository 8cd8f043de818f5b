"""The tasks the service runs, by name."""

from service.tasks.base import InvalidTaskInput, Task, TaskOutput
from service.tasks.conformers import ConformerParams, ConformerTask

TASKS: dict[str, Task] = {ConformerTask.name: ConformerTask()}

__all__ = ["TASKS", "ConformerParams", "InvalidTaskInput", "Task", "TaskOutput"]
