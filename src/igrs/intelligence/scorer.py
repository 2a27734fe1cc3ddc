"""The category model at suggestion time, in plain Python: no scikit-learn, SciPy or NumPy in
the web worker. It reads the file training.export writes and ranks categories as the trained
pipeline does (TF-IDF with sublinear counts, l2 norm, linear model, softmax); a test holds
the two to the same ranking.

Probabilities are softmax(scale × margin) over the categories allowed, the scale fitted at
training. The file: a magic line, a JSON header line, the feature strings (one a line), then
little-endian float32 arrays: idf per feature, intercept per class, and the weights,
feature-major (the classes' weights of feature 0, then of feature 1, …).
"""

import json
import math
import sys
from array import array
from collections import Counter
from collections.abc import Collection
from typing import BinaryIO

from .features import FeatureSpec, analyse

MAGIC = b"IGRS-CATEGORY-MODEL 1\n"


class ModelFileError(ValueError):
    pass


def _floats(values) -> bytes:
    data = array("f", values)
    if sys.byteorder == "big":
        data.byteswap()
    return data.tobytes()


def _read_floats(f: BinaryIO, count: int) -> array:
    data = array("f")
    raw = f.read(count * data.itemsize)
    if len(raw) != count * data.itemsize:
        raise ModelFileError("model file is truncated")
    data.frombytes(raw)
    if sys.byteorder == "big":
        data.byteswap()
    return data


def write_model(
    f: BinaryIO,
    *,
    features: list[str],
    idf: list[float],
    classes: list[str],
    weights: list[float],
    intercepts: list[float],
    scale: float,
    spec: FeatureSpec,
    meta: dict,
) -> None:
    feature_bytes = "\n".join(features).encode()
    header = {
        "classes": classes,
        "features": len(features),
        "spec": spec.as_dict(),
        "scale": scale,
        "feature_bytes": len(feature_bytes),
        "meta": meta,
    }
    f.write(MAGIC)
    f.write(json.dumps(header, sort_keys=True, ensure_ascii=False).encode() + b"\n")
    f.write(feature_bytes)
    f.write(_floats(idf) + _floats(intercepts) + _floats(weights))


class Scorer:
    def __init__(self, f: BinaryIO):
        if f.readline() != MAGIC:
            raise ModelFileError("not a category model file")
        header = json.loads(f.readline())
        self.classes: list[str] = header["classes"]
        self.meta: dict = header["meta"]
        self.scale: float = header["scale"]
        self.spec = FeatureSpec(**header["spec"])
        features = f.read(header["feature_bytes"]).decode().split("\n")
        self.index = {feature: i for i, feature in enumerate(features)}
        self.idf = _read_floats(f, header["features"])
        self.intercepts = _read_floats(f, len(self.classes))
        self.weights = _read_floats(f, header["features"] * len(self.classes))

    def vector(self, text: str) -> dict[int, float]:
        """The text's l2-normalised TF-IDF vector, as {feature index: value}."""
        vector = {}
        for feature, count in Counter(analyse(text, self.spec)).items():
            i = self.index.get(feature)
            if i is not None:
                vector[i] = (1.0 + math.log(count)) * self.idf[i]
        norm = math.sqrt(sum(v * v for v in vector.values()))
        return {i: v / norm for i, v in vector.items()} if norm else {}

    def decision(self, text: str) -> list[float]:
        """The linear model's score per class (its decision function)."""
        width = len(self.classes)
        scores = list(self.intercepts)
        weights = self.weights
        for i, value in self.vector(text).items():
            row = weights[i * width : (i + 1) * width]
            scores = [s + value * w for s, w in zip(scores, row, strict=True)]
        return scores

    def rank(
        self, text: str, allowed: Collection[str] | None = None, limit: int = 5
    ) -> list[tuple[str, float]]:
        """The best `limit` categories among `allowed` (all if None), with probabilities
        (softmax over the allowed ones), best first; ties by code, so the order is fixed."""
        scored = [
            (code, self.scale * s)
            for code, s in zip(self.classes, self.decision(text), strict=True)
            if allowed is None or code in allowed
        ]
        if not scored:
            return []
        top = max(s for _, s in scored)
        exps = [(code, math.exp(s - top)) for code, s in scored]
        total = sum(e for _, e in exps)
        ranked = sorted(((code, e / total) for code, e in exps), key=lambda p: (-p[1], p[0]))
        return ranked[:limit]
