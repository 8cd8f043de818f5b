"""The tasks the service runs, by name."""

from service.aux.ebc import EbcFitParams, EbcFitTask
from service.aux.meanfield import MeanfieldTask
from service.backbones.task import BackboneParams, BackboneTask
from service.conformers.task import ConformerParams, ConformerTask
from service.molecules.task import MoleculeParams, MoleculeTask
from service.task import InvalidTaskInput, Task, TaskOutput, TaskRun

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
