"""Training the category model with scikit-learn and writing what the scorer needs.

Imported only where a model is built — `igrs suggest --retrain`, the build subprocess a web
worker starts when the model file is missing or stale, and the benchmarks — so web workers never
load scikit-learn or SciPy.
"""

import io
from collections.abc import Iterable, Sequence

import numpy as np
from scipy.optimize import minimize_scalar
from scipy.special import log_softmax
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import Pipeline
from sklearn.svm import LinearSVC

from .corpus import Example
from .features import FeatureSpec, analyse
from .scorer import write_model

# Chosen by measurement (docs/intelligence.md, "Choosing the model"): a linear SVM over
# sublinear TF-IDF of features seen in at least two texts; its margins become probabilities
# through a softmax whose temperature is fitted on out-of-fold margins.
SPEC = FeatureSpec()
C = 3.0
MIN_DF = 2
CALIBRATION_FOLDS = 3


class Analyser:
    """A picklable callable for the vectoriser (a lambda is not)."""

    def __init__(self, spec: FeatureSpec):
        self.spec = spec

    def __call__(self, text: str) -> list[str]:
        return analyse(text, self.spec)


def pipeline(
    spec: FeatureSpec = SPEC, c: float = C, min_df: int = MIN_DF, classifier=None
) -> Pipeline:
    return Pipeline(
        [
            ("tfidf", TfidfVectorizer(analyzer=Analyser(spec), sublinear_tf=True, min_df=min_df)),
            ("model", classifier or LinearSVC(C=c, random_state=0)),
        ]
    )


def fit(examples: Sequence[Example], **kwargs) -> Pipeline:
    """A fitted TF-IDF + linear model pipeline. Deterministic: same examples, same model."""
    fitted = pipeline(**kwargs)
    fitted.fit([e.text for e in examples], [e.code for e in examples])
    return fitted


def softmax_scale(examples: Sequence[Example], **kwargs) -> float:
    """The factor on the margins that makes softmax(factor × margin) the best probability
    (least log-loss) for texts the model did not see: out-of-fold margins, one parameter."""
    texts, codes = [e.text for e in examples], np.array([e.code for e in examples])
    folds = StratifiedKFold(CALIBRATION_FOLDS, shuffle=True, random_state=0)
    margins = cross_val_predict(
        pipeline(**kwargs), texts, codes, cv=folds, method="decision_function"
    )
    truth = np.searchsorted(np.unique(codes), codes)

    def loss(log_scale: float) -> float:
        return -log_softmax(np.exp(log_scale) * margins, axis=1)[
            np.arange(len(codes)), truth
        ].mean()

    return float(np.exp(minimize_scalar(loss, bounds=(-3, 5), method="bounded").x))


def export(pipeline: Pipeline, spec: FeatureSpec, scale: float, meta: dict) -> bytes:
    """The fitted pipeline as the scorer's file: vocabulary, idf, weights, intercepts and
    the softmax scale."""
    vectoriser: TfidfVectorizer = pipeline.named_steps["tfidf"]
    model = pipeline.named_steps["model"]
    vocabulary = sorted(vectoriser.vocabulary_, key=vectoriser.vocabulary_.get)
    out = io.BytesIO()
    write_model(
        out,
        features=vocabulary,
        idf=vectoriser.idf_.tolist(),
        classes=[str(c) for c in model.classes_],
        weights=model.coef_.T.ravel().tolist(),
        intercepts=model.intercept_.tolist(),
        scale=scale,
        spec=spec,
        meta=meta,
    )
    return out.getvalue()


def build(examples: Iterable[Example], meta: dict) -> bytes:
    """Train on the examples and return the model file's bytes."""
    examples = list(examples)
    return export(fit(examples), SPEC, softmax_scale(examples), {**meta, "examples": len(examples)})
