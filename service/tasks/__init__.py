"""The tasks the service runs, by name."""

from service.tasks.aux_ebc import EbcFitParams, EbcFitTask
from service.tasks.aux_meanfield import MeanfieldTask
from service.tasks.backbones import BackboneParams, BackboneTask
from service.tasks.base import InvalidTaskInput, Task, TaskOutput, TaskRun
from service.tasks.conformers import ConformerParams, ConformerTask
from service.tasks.molecules import MoleculeParams, MoleculeTask

TASKS: dict[str, Task] = {
    task.name: task
    for task in (ConformerTask(), MoleculeTask(), BackboneTask(), MeanfieldTask(), EbcFitTask())
}

__all__ = [
    "TASKS",
    "BackboneParams",
    "ConformerParams",
    "EbcFitParams",
    "InvalidTaskInput",
    "MoleculeParams",
    "Task",
    "TaskOutput",
    "TaskRun",
]
