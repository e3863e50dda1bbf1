"""The `iris` model as a seldon-core v1 Python microservice component (protocol seldon).

seldon-core-microservice imports this module by name (the class has the module's name) and calls:
  load()                        once in each worker process (the REST gunicorn worker, the gRPC worker)
  predict(X, features_names)    per request; X is the numpy array from data.ndarray / data.tensor
                                / data.tftensor of the SeldonMessage.

The model file is IRIS_MODEL_PATH (models.sh sets it), else .cache/models/iris/model.joblib in the
repository. predict returns the class LABELS of sklearn's `predict` (integers 0, 1, 2), one per row.
"""

from __future__ import annotations

import os
from typing import Any

import joblib
import numpy as np

_DEFAULT_PATH = os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "..", ".cache", "models", "iris", "model.joblib"
)


class IrisModel:
    def __init__(self) -> None:
        self.model_path = os.path.abspath(os.environ.get("IRIS_MODEL_PATH", _DEFAULT_PATH))
        self.model: Any = None
        self.ready = False

    def load(self) -> None:
        self.model = joblib.load(self.model_path)
        self.ready = True

    def predict(self, X: Any, features_names: Any = None, **kwargs: Any) -> np.ndarray:
        if self.model is None:
            self.load()
        rows = np.asarray(X, dtype=np.float64)
        if rows.ndim == 1:
            rows = rows.reshape(1, -1)
        if rows.ndim != 2 or rows.shape[1] != 4:
            raise ValueError(f"iris expects rows of 4 features, got shape {list(np.shape(X))}")
        return self.model.predict(rows)

    def health_status(self) -> dict:
        # /health/status answers with this instead of running a prediction.
        return {"model": "iris", "ready": self.ready}
