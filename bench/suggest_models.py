"""Which category model: feature sets and classifiers compared by 5-fold cross-validation on
the training split of the corpus (never on the held-out test split, which is only reported).

    .venv/bin/python bench/suggest_models.py [--quick]

Prints a table: top-1 and top-3 accuracy (cross-validated), fit time on the whole training
split, and the held-out test split's top-1/top-3 for information. Optional rows need packages
that IGRS does not depend on (unidecode, indic-transliteration); they are skipped when absent.
"""

import argparse
import re
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.model_selection import StratifiedKFold
from sklearn.naive_bayes import ComplementNB
from sklearn.svm import LinearSVC

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from igrs.intelligence import corpus, features, training  # noqa: E402
from igrs.intelligence.features import FeatureSpec  # noqa: E402


def ranked(pipeline, texts: list[str]) -> np.ndarray:
    model = pipeline.named_steps["model"]
    x = pipeline.named_steps["tfidf"].transform(texts)
    scores = (
        model.predict_proba(x) if hasattr(model, "predict_proba") else (model.decision_function(x))
    )
    return model.classes_[np.argsort(-scores, axis=1, kind="stable")]


def accuracy(order: np.ndarray, codes: list[str]) -> tuple[float, float]:
    top1 = np.mean([o[0] == c for o, c in zip(order, codes, strict=True)])
    top3 = np.mean([c in o[:3] for o, c in zip(order, codes, strict=True)])
    return float(top1), float(top3)


def cross_validated(examples, folds: int, **kwargs) -> tuple[float, float]:
    codes = [e.code for e in examples]
    hits1 = hits3 = 0.0
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=0)
    for train_idx, test_idx in splitter.split(codes, codes):
        pipeline = training.fit([examples[i] for i in train_idx], **kwargs)
        held = [examples[i] for i in test_idx]
        top1, top3 = accuracy(ranked(pipeline, [e.text for e in held]), [e.code for e in held])
        hits1 += top1 * len(held)
        hits3 += top3 * len(held)
    return hits1 / len(examples), hits3 / len(examples)


class Romaniser:
    """Swap the romanisation of Devanagari in the phonetic key for another library's."""

    def __init__(self, name: str, convert):
        self.name, self.convert = name, convert
        self.saved = None

    def __enter__(self):
        self.saved = features._romanise_word
        features._romanise_word = lambda m: self.convert(m.group().replace("\u0902", "न्"))

    def __exit__(self, *exc):
        features._romanise_word = self.saved


def optional_romanisers() -> list[Romaniser]:
    found = []
    try:
        from unidecode import unidecode

        found.append(Romaniser("unidecode", unidecode))
    except ImportError:
        print("(unidecode not installed: its row is skipped)")
    try:
        from indic_transliteration import sanscript

        def itrans(text: str) -> str:
            # ITRANS writes every inherent vowel (तीन → tIna): drop the word-final one.
            latin = sanscript.transliterate(text, sanscript.DEVANAGARI, sanscript.ITRANS)
            return re.sub(r"a\b", "", latin)

        found.append(Romaniser("indic-transliteration (ITRANS)", itrans))
    except ImportError:
        print("(indic-transliteration not installed: its row is skipped)")
    return found


class NoFolds:
    """The phonetic key without the Hinglish spelling folds (romanisation only)."""

    def __enter__(self):
        self.saved = features.LATIN_FOLDS[:]
        features.LATIN_FOLDS[:] = []

    def __exit__(self, *exc):
        features.LATIN_FOLDS[:] = self.saved


class Unchanged:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return None


def logistic(c: float = 20.0) -> LogisticRegression:
    return LogisticRegression(C=c, max_iter=3000)


def rows(quick: bool) -> list[tuple[str, object, dict]]:
    """Features were compared with logistic regression first, then classifiers on the best
    features; the chosen model is LinearSVC C=3 (training.py)."""
    base = FeatureSpec()
    written_only = FeatureSpec(phonetic_key=False, words=False)
    written_words = FeatureSpec(phonetic_key=False)
    table = [
        (
            "char 2–5 as written, LR C=20 (no transliteration)",
            Unchanged(),
            {"spec": written_only, "classifier": logistic()},
        ),
        (
            "+ words as written, LR C=20 (no transliteration)",
            Unchanged(),
            {"spec": written_words, "classifier": logistic()},
        ),
        (
            "+ phonetic key (anyascii, no folds), LR C=20",
            NoFolds(),
            {"spec": base, "classifier": logistic()},
        ),
        (
            "+ phonetic key (anyascii + folds), LR C=20",
            Unchanged(),
            {"spec": base, "classifier": logistic()},
        ),
        ("same features, LinearSVC C=3 — chosen", Unchanged(), {}),
    ]
    if quick:
        return table
    table += [
        (f"+ phonetic key ({r.name} + folds), LR C=20", r, {"spec": base, "classifier": logistic()})
        for r in optional_romanisers()
    ]
    table += [
        ("chosen features, LR C=5", Unchanged(), {"classifier": logistic(5.0)}),
        ("chosen features, LR C=50", Unchanged(), {"classifier": logistic(50.0)}),
        ("chosen features, LinearSVC C=0.3", Unchanged(), {"c": 0.3}),
        ("chosen features, LinearSVC C=1", Unchanged(), {"c": 1.0}),
        ("chosen features, LinearSVC C=10", Unchanged(), {"c": 10.0}),
        ("chosen features, LinearSVC C=30", Unchanged(), {"c": 30.0}),
        (
            "chosen features, LinearSVC C=1 + sigmoid calibration",
            Unchanged(),
            {"classifier": CalibratedClassifierCV(LinearSVC(C=1.0, random_state=0), cv=3)},
        ),
        (
            "chosen features, SGD modified Huber",
            Unchanged(),
            {"classifier": SGDClassifier(loss="modified_huber", alpha=1e-5, random_state=0)},
        ),
        ("chosen features, ComplementNB", Unchanged(), {"classifier": ComplementNB(alpha=0.3)}),
    ]
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 folds, feature rows only")
    args = parser.parse_args()
    folds = 3 if args.quick else 5
    train = corpus.examples("train")
    test = corpus.examples("test")
    print(f"training split {len(train)} texts, {folds}-fold CV; held-out split {len(test)}")
    print("| model | CV top-1 | CV top-3 | fit s (all train) | held-out top-1 | held-out top-3 |")
    print("|---|---|---|---|---|---|")
    for name, context, kwargs in rows(args.quick):
        with context:
            cv1, cv3 = cross_validated(train, folds, **kwargs)
            started = time.perf_counter()
            pipeline = training.fit(train, **kwargs)
            seconds = time.perf_counter() - started
            h1, h3 = accuracy(ranked(pipeline, [e.text for e in test]), [e.code for e in test])
        print(
            f"| {name} | {cv1:.3f} | {cv3:.3f} | {seconds:.1f} | {h1:.3f} | {h3:.3f} |", flush=True
        )


if __name__ == "__main__":
    main()
