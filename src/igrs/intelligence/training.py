"""Training the category model with scikit-learn and writing what the scorer needs.

Imported only where a model is built — `igrs suggest --retrain`, the build subprocess a web
worker starts when the model file is missing or stale, and the benchmarks — so web workers never
load scikit-learn or SciPy.
"""

import io
from collections.abc import Iterable, Sequence

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from .corpus import Example
from .features import FeatureSpec, analyse
from .scorer import write_model

# Chosen by measurement (docs/intelligence.md, "Choosing the model"): logistic regression
# over sublinear TF-IDF, features seen in at least two texts.
SPEC = FeatureSpec()
C = 20.0
MIN_DF = 2


class Analyser:
    """A picklable callable for the vectoriser (a lambda is not)."""

    def __init__(self, spec: FeatureSpec):
        self.spec = spec

    def __call__(self, text: str) -> list[str]:
        return analyse(text, self.spec)


def fit(examples: Sequence[Example], spec: FeatureSpec = SPEC, c: float = C,
        min_df: int = MIN_DF, classifier=None) -> Pipeline:
    """A fitted TF-IDF + linear model pipeline. Deterministic: same examples, same model."""
    pipeline = Pipeline([
        ("tfidf", TfidfVectorizer(analyzer=Analyser(spec), sublinear_tf=True, min_df=min_df)),
        ("model", classifier or LogisticRegression(C=c, max_iter=3000)),
    ])
    pipeline.fit([e.text for e in examples], [e.code for e in examples])
    return pipeline


def export(pipeline: Pipeline, spec: FeatureSpec, meta: dict) -> bytes:
    """The fitted pipeline as the scorer's file: vocabulary, idf, weights, intercepts."""
    vectoriser: TfidfVectorizer = pipeline.named_steps["tfidf"]
    model = pipeline.named_steps["model"]
    vocabulary = sorted(vectoriser.vocabulary_, key=vectoriser.vocabulary_.get)
    out = io.BytesIO()
    write_model(out, features=vocabulary, idf=vectoriser.idf_.tolist(),
                classes=[str(c) for c in model.classes_],
                weights=model.coef_.T.ravel().tolist(), intercepts=model.intercept_.tolist(),
                spec=spec, meta=meta)
    return out.getvalue()


def build(examples: Iterable[Example], meta: dict) -> bytes:
    """Train on the examples and return the model file's bytes."""
    examples = list(examples)
    return export(fit(examples), SPEC, {**meta, "examples": len(examples)})
