"""The one settings object (environment variables ``QSDIFF_*``)."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings", "get_settings"]

_REPO = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Where data, caches and checkpoints live."""

    model_config = SettingsConfigDict(env_prefix="QSDIFF_")

    data_dir: Path = _REPO.parent / "shared" / "data"
    cache_dir: Path = Path.home() / ".cache" / "qsdiff"
    checkpoint_dir: Path = _REPO / "checkpoints"

    @property
    def qm9_npz(self) -> Path:
        """QM9 train + valid (see ``data_dir/qm9/README.md``)."""
        return self.data_dir / "qm9" / "qm9_trainval.npz"


def get_settings() -> Settings:
    """Settings read from the environment now."""
    return Settings()
