"""A recurrent language model over SMILES tokens, conditioned on the heavy-atom count.

The de novo graph model: it writes a molecule's graph (atoms, charges, bond orders, rings) as a
SMILES string, one token at a time; the conformer model then places its atoms in 3-D. The size
condition is added to every input embedding, so a request for nine heavy atoms is asked for at
every step, not just the first.

Sampling is Gumbel-max with noise drawn per molecule from its own generator, so molecule ``i``
of a seed is the same however molecules are batched.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from torch import Tensor, nn

__all__ = ["BOS", "EOS", "PAD", "SmilesLM", "SmilesLMConfig", "gumbel_noise"]

PAD, BOS, EOS = 0, 1, 2
"""Reserved token ids; a vocabulary's own tokens start at 3."""


@dataclass(frozen=True)
class SmilesLMConfig:
    """Network shape; ``max_heavy_atoms`` bounds the size condition."""

    vocab_size: int
    max_heavy_atoms: int
    max_tokens: int
    hidden: int = 384
    layers: int = 3
    dropout: float = 0.1

    def to_dict(self) -> dict:
        """As saved in a checkpoint."""
        return asdict(self)


class SmilesLM(nn.Module):
    """GRU over token embeddings plus a size embedding; a linear head gives next-token logits."""

    def __init__(self, config: SmilesLMConfig) -> None:
        super().__init__()
        self.config = config
        self.tokens = nn.Embedding(config.vocab_size, config.hidden, padding_idx=PAD)
        self.sizes = nn.Embedding(config.max_heavy_atoms + 1, config.hidden)
        self.gru = nn.GRU(
            config.hidden,
            config.hidden,
            config.layers,
            batch_first=True,
            dropout=config.dropout if config.layers > 1 else 0.0,
        )
        self.head = nn.Linear(config.hidden, config.vocab_size)

    def forward(
        self, tokens: Tensor, sizes: Tensor, state: Tensor | None = None
    ) -> tuple[Tensor, Tensor]:
        """Logits ``[B, L, V]`` for the token after each of ``tokens [B, L]``, and the state."""
        x = self.tokens(tokens) + self.sizes(sizes)[:, None, :]
        out, state = self.gru(x, state)
        return self.head(out), state

    @torch.no_grad()
    def sample(self, sizes: Tensor, noise: Tensor, temperature: float = 1.0) -> list[list[int]]:
        """Token ids of one SMILES per size (without BOS/EOS).

        ``noise [B, max_tokens, V]`` is the Gumbel noise of each molecule, drawn by the caller
        from the molecule's own generator; a sample that reaches ``max_tokens`` is cut there.
        """
        batch = len(sizes)
        token = torch.full((batch, 1), BOS, dtype=torch.long, device=sizes.device)
        done = torch.zeros(batch, dtype=torch.bool, device=sizes.device)
        out: list[list[int]] = [[] for _ in range(batch)]
        state = None
        for step in range(noise.shape[1]):
            logits, state = self(token, sizes, state)
            scores = logits[:, -1] / max(temperature, 1e-6) + noise[:, step]
            scores[:, PAD] = scores[:, BOS] = -torch.inf
            token = scores.argmax(-1, keepdim=True)
            for i in (~done).nonzero().flatten().tolist():
                if token[i, 0].item() == EOS:
                    done[i] = True
                else:
                    out[i].append(int(token[i, 0]))
            if done.all():
                break
        return out


def gumbel_noise(generator: torch.Generator, max_tokens: int, vocab_size: int) -> Tensor:
    """Gumbel(0, 1) noise ``[max_tokens, V]`` of one molecule, from its own generator."""
    uniform = torch.rand(max_tokens, vocab_size, generator=generator).clamp_(1e-10, 1 - 1e-7)
    return -torch.log(-torch.log(uniform))
