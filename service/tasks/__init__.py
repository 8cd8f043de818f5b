"""The tasks the service runs, by name."""

from service.tasks.backbones import BackboneParams, BackboneTask
from service.tasks.base import InvalidTaskInput, Task, TaskOutput, TaskRun
from service.tasks.conformers import ConformerParams, ConformerTask
from service.tasks.molecules import MoleculeParams, MoleculeTask

TASKS: dict[str, Task] = {
    task.name: task for task in (ConformerTask(), MoleculeTask(), BackboneTask())
}

__all__ = [
    "TASKS",
    "BackboneParams",
    "ConformerParams",
    "InvalidTaskInput",
    "MoleculeParams",
    "Task",
    "TaskOutput",
    "TaskRun",
]
