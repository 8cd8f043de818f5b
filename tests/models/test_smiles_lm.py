"""The SMILES model: it learns a corpus, and a molecule's sample depends on its own noise only."""

import torch

from models.networks.smiles_lm import SmilesLM, SmilesLMConfig, gumbel_noise
from tests.graph_model import SMILES, train_tiny_graph_model


def test_training_lowers_the_loss_and_samples_read_as_the_corpus():
    trainer, vocabulary, _ = train_tiny_graph_model(steps=150)
    assert trainer.steps == 150
    sizes = torch.tensor([3] * 16)
    noise = torch.stack(
        [gumbel_noise(torch.Generator().manual_seed(i), 24, vocabulary.size) for i in range(16)]
    )
    samples = [vocabulary.decode(ids) for ids in trainer.net.sample(sizes, noise, 0.5)]
    three_atoms = {"CCO", "CC#N", "C1CC1", "NC=O", "C[NH3+]"} & set(SMILES)
    assert sum(s in three_atoms for s in samples) >= 14, samples


def test_a_sample_does_not_depend_on_the_others_in_its_batch():
    torch.manual_seed(0)
    net = SmilesLM(SmilesLMConfig(vocab_size=12, max_heavy_atoms=9, max_tokens=10, hidden=16))
    net.eval()
    noise = torch.stack([gumbel_noise(torch.Generator().manual_seed(i), 10, 12) for i in range(5)])
    together = net.sample(torch.tensor([1, 5, 9, 2, 7]), noise)
    alone = [
        net.sample(torch.tensor([n]), noise[i : i + 1])[0] for i, n in enumerate([1, 5, 9, 2, 7])
    ]
    assert together == alone
    assert all(0 not in ids and 1 not in ids and 2 not in ids for ids in together)
    assert all(len(ids) <= 10 for ids in together)
