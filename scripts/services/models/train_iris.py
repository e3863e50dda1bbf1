"""Trains the `iris` model that every local model server serves, and writes its truth file.

    python train_iris.py <out-dir>        (models.sh runs it once, in the kserve venv)

Writes, atomically:
  <out-dir>/model.joblib  a LogisticRegression fitted on sklearn.datasets.load_iris() (ships inside
                          scikit-learn: no download), saved with joblib. Every venv pins the same
                          scikit-learn, numpy and joblib, so this one file loads in MLServer, the
                          seldon-core microservice and the KServe-based TensorFlow-protocol server.
  <out-dir>/truth.json    10 fixed rows of the data set with the model's own `predict` labels and
                          `predict_proba` rows: tests check every server's answer against it.

Deterministic: lbfgs with a fixed random_state on the whole data set gives the same model each time.
"""

from __future__ import annotations

import json
import os
import sys

import joblib
import numpy as np
import sklearn
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

# Data set row indices: a few of each class, and three rows (70, 83, 106) where the model's label
# differs from the data set's target, so an answer that matches truth.json came from this model.
ROWS = [0, 25, 50, 51, 70, 83, 100, 101, 106, 129]
# Every chosen row's top class must win by this much, so float32 rounding on the wire
# (FP32 V2 inputs, TensorProto float_val) cannot flip a label.
MIN_MARGIN = 0.01


def main(out_dir: str) -> None:
    os.makedirs(out_dir, exist_ok=True)
    iris = load_iris()
    x, y = iris.data, iris.target
    model = LogisticRegression(max_iter=1000, random_state=0).fit(x, y)

    rows = x[ROWS]
    labels = model.predict(rows)
    proba = model.predict_proba(rows)
    top2 = np.sort(proba, axis=1)[:, -2:]
    margins = top2[:, 1] - top2[:, 0]
    if margins.min() < MIN_MARGIN:
        raise SystemExit(f"train_iris: a truth row is too close to a class boundary ({margins.min():.4f})")
    rows32 = rows.astype(np.float32).astype(np.float64)
    if not np.array_equal(model.predict(rows32), labels):
        raise SystemExit("train_iris: float32-rounded rows change a label")

    truth = {
        "model": "iris",
        "sklearn_version": sklearn.__version__,
        "estimator": "LogisticRegression(max_iter=1000, random_state=0)",
        "feature_names": list(iris.feature_names),
        "classes": [int(c) for c in model.classes_],
        "target_names": [str(n) for n in iris.target_names],
        "indices": ROWS,
        "rows": rows.tolist(),
        "labels": [int(v) for v in labels],
        "probabilities": proba.tolist(),
        "dataset_targets": [int(v) for v in y[ROWS]],
    }

    model_path = os.path.join(out_dir, "model.joblib")
    truth_path = os.path.join(out_dir, "truth.json")
    joblib.dump(model, model_path + ".tmp")
    with open(truth_path + ".tmp", "w", encoding="utf-8") as f:
        json.dump(truth, f, indent=2)
        f.write("\n")
    os.replace(model_path + ".tmp", model_path)
    os.replace(truth_path + ".tmp", truth_path)
    print(f"train_iris: wrote {model_path} and {truth_path} (labels {truth['labels']})")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: train_iris.py <out-dir>")
    main(sys.argv[1])
