"""The category model for tests: trained once per test session (seconds) into a temporary var
directory, and handed to each test that asks for it with the settings pointing there."""

from pathlib import Path

import pytest
from django.core.cache import cache

from igrs.intelligence import corpus, engine, training


class Built:
    def __init__(self, var_dir: Path):
        self.var_dir = var_dir
        examples = corpus.examples("train")
        self.pipeline = training.fit(examples)
        self.scale = training.softmax_scale(examples)
        data = training.export(
            self.pipeline,
            training.SPEC,
            self.scale,
            {"corpus": corpus.fingerprint(), "corrections": 0},
        )
        path = var_dir / "intelligence" / engine.FILE_NAME
        path.parent.mkdir(parents=True)
        path.write_bytes(data)


@pytest.fixture(scope="session")
def built_model(tmp_path_factory) -> Built:
    return Built(tmp_path_factory.mktemp("suggestion-var"))


@pytest.fixture
def suggestion_model(built_model, settings) -> Built:
    settings.VAR_DIR = built_model.var_dir
    engine.forget()
    cache.clear()  # the suggestion endpoint's rate counts
    yield built_model
    engine.forget()
