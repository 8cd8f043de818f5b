"""The tasks the service runs, by name."""

from service.tasks.base import InvalidTaskInput, Task, TaskOutput, TaskRun
from service.tasks.conformers import ConformerParams, ConformerTask
from service.tasks.molecules import MoleculeParams, MoleculeTask

TASKS: dict[str, Task] = {task.name: task for task in (ConformerTask(), MoleculeTask())}

__all__ = [
    "TASKS",
    "ConformerParams",
    "InvalidTaskInput",
    "MoleculeParams",
    "Task",
    "TaskOutput",
    "TaskRun",
]
