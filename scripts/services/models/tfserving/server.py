"""The TensorFlow-protocol model server for the `iris` model (README.md, "Local services").

TensorFlow Serving itself cannot be installed here: there is no Docker, and TensorFlow Serving ships no
binaries on PyPI (tensorflow-serving-api is only its client stubs). So this process stands in for it
with the same two wire protocols, on one fitted scikit-learn model:

  REST  http://127.0.0.1:8501  KServe's ModelServer (PyPI `kserve`) and its v1 data plane, which is the
        TensorFlow Serving REST predict API:
          POST /v1/models/iris:predict  {"instances": [[5.1, 3.5, 1.4, 0.2], ...]}  -> {"predictions": [0, ...]}
          (row format; also {"instances": [{"<name>": [..4 floats]}, ...]}) and the columnar form
          {"inputs": [[...], ...]} or {"inputs": {"<name>": [[...], ...]}} -> {"outputs": [0, ...]}.
          GET /v1/models/iris -> {"name": "iris", "ready": true}. KServe's own gRPC server is off
          (its default port 8081 is MLServer's).
  gRPC  127.0.0.1:8500  tensorflow.serving.PredictionService/Predict, served by a grpcio servicer in
        this same process and event loop, built from the wire-compatible protos in protos/
        (tensorflow/core/framework, tensorflow_serving/apis), compiled by models.sh into
        PROTO_PY_DIR. The input tensor is the one named `inputs` or `instances`, or the only one
        present: float rows of shape [N, 4] from float_val / double_val / int_val / int64_val or
        tensor_content. The answer is output `predictions`, a DT_INT64 tensor of shape [N] holding the
        labels of sklearn's `predict`. Unknown model name or version -> NOT_FOUND; a bad shape,
        dtype or output filter -> INVALID_ARGUMENT.

Environment: IRIS_MODEL_PATH (joblib file), PROTO_PY_DIR (generated Python), TF_BIND_HOST (127.0.0.1),
TF_REST_PORT (8501), TF_GRPC_PORT (8500),
TF_ACCESS_LOG (1 logs every REST request; off by default).
"""

from __future__ import annotations

import json
import logging
import os
import sys
from typing import Any, Dict, List, Optional, Tuple

import grpc
import joblib
import kserve
import numpy as np
from kserve.errors import InvalidInput

sys.path.insert(0, os.environ["PROTO_PY_DIR"])

from tensorflow.core.framework import tensor_pb2, tensor_shape_pb2, types_pb2  # noqa: E402
from tensorflow_serving.apis import predict_pb2, prediction_service_pb2_grpc  # noqa: E402

MODEL_NAME = "iris"
MODEL_VERSION = 1
SIGNATURE = "serving_default"
OUTPUT = "predictions"
N_FEATURES = 4
HOST = os.environ.get("TF_BIND_HOST", "127.0.0.1")
REST_PORT = int(os.environ.get("TF_REST_PORT", "8501"))
GRPC_PORT = int(os.environ.get("TF_GRPC_PORT", "8500"))
ACCESS_LOG = os.environ.get("TF_ACCESS_LOG", "0") == "1"

log = logging.getLogger("tfserving")


class BadInput(ValueError):
    """The request's tensors cannot be read as float rows of 4 features."""


def as_rows(values: Any) -> np.ndarray:
    """Float rows [N, 4] from nested lists; BadInput otherwise."""
    try:
        rows = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise BadInput(f"expected numbers, got {str(e)}") from e
    if rows.ndim != 2 or rows.shape[1] != N_FEATURES or rows.shape[0] == 0:
        raise BadInput(f"expected a [N, {N_FEATURES}] float tensor, got shape {list(rows.shape)}")
    return rows


class IrisModel:
    def __init__(self, path: str) -> None:
        self.model = joblib.load(path)

    def predict(self, rows: np.ndarray) -> np.ndarray:
        return np.asarray(self.model.predict(rows), dtype=np.int64)


# ---------------------------------------------------------------------------------------------- REST


class IrisV1(kserve.Model):
    """KServe v1 (= TensorFlow Serving REST) predictor."""

    def __init__(self, name: str, iris: IrisModel) -> None:
        super().__init__(name)
        self.iris = iris

    def load(self) -> bool:
        self.ready = True
        return self.ready

    def predict(self, payload: Any, headers: Optional[Dict[str, str]] = None) -> Dict[str, Any]:
        if isinstance(payload, (bytes, str)):
            # KServe hands over the raw body when Content-Type is not JSON; TF Serving parses it anyway.
            try:
                payload = json.loads(payload)
            except ValueError as e:
                raise InvalidInput(f"the body is not JSON: {e}") from e
        if not isinstance(payload, dict):
            raise InvalidInput("this server speaks the TensorFlow Serving REST API: POST a JSON object")
        try:
            if "instances" in payload:
                return {"predictions": self._labels(self._row_format(payload["instances"]))}
            if "inputs" in payload:
                return {"outputs": self._labels(self._columnar(payload["inputs"]))}
        except BadInput as e:
            raise InvalidInput(str(e)) from e
        raise InvalidInput('missing "instances" or "inputs" key')

    def _labels(self, values: Any) -> List[int]:
        return self.iris.predict(as_rows(values)).tolist()

    @staticmethod
    def _row_format(instances: Any) -> Any:
        if not isinstance(instances, list):
            raise BadInput('"instances" must be a list')
        if instances and all(isinstance(i, dict) for i in instances):
            # Named-input rows: [{"inputs": [..]}, ...] with one named input per row.
            names = {tuple(sorted(i)) for i in instances}
            if len(names) != 1 or len(next(iter(names))) != 1:
                raise BadInput("each instance must hold exactly one, equally named, input")
            (name,) = next(iter(names))
            return [i[name] for i in instances]
        return instances

    @staticmethod
    def _columnar(inputs: Any) -> Any:
        if isinstance(inputs, dict):
            if len(inputs) != 1:
                raise BadInput('"inputs" must name exactly one input tensor')
            return next(iter(inputs.values()))
        return inputs


# ---------------------------------------------------------------------------------------------- gRPC

_FROM_CONTENT = {
    types_pb2.DT_FLOAT: "<f4",
    types_pb2.DT_DOUBLE: "<f8",
    types_pb2.DT_INT32: "<i4",
    types_pb2.DT_INT64: "<i8",
}
_FROM_FIELD = {
    types_pb2.DT_FLOAT: "float_val",
    types_pb2.DT_DOUBLE: "double_val",
    types_pb2.DT_INT32: "int_val",
    types_pb2.DT_INT16: "int_val",
    types_pb2.DT_INT8: "int_val",
    types_pb2.DT_UINT8: "int_val",
    types_pb2.DT_INT64: "int64_val",
}


def tensor_rows(tensor: tensor_pb2.TensorProto) -> np.ndarray:
    """Float rows [N, 4] from a TensorProto; BadInput otherwise."""
    dtype_name = types_pb2.DataType.Name(tensor.dtype) if tensor.dtype in types_pb2.DataType.values() else tensor.dtype
    if tensor.dtype not in _FROM_FIELD:
        raise BadInput(f"unsupported dtype {dtype_name}: send DT_FLOAT or DT_DOUBLE")
    if tensor.tensor_shape.unknown_rank:
        raise BadInput("the input tensor must have a known shape [N, 4]")
    shape = [d.size for d in tensor.tensor_shape.dim]
    if len(shape) != 2 or shape[1] != N_FEATURES or shape[0] <= 0:
        raise BadInput(f"expected a [N, {N_FEATURES}] tensor, got shape {shape}")
    count = shape[0] * shape[1]
    if tensor.tensor_content:
        fmt = _FROM_CONTENT.get(tensor.dtype)
        if fmt is None:
            raise BadInput(f"tensor_content is not supported for {dtype_name}")
        if len(tensor.tensor_content) != count * np.dtype(fmt).itemsize:
            raise BadInput(f"tensor_content holds {len(tensor.tensor_content)} bytes, shape {shape} needs {count}")
        values = np.frombuffer(tensor.tensor_content, dtype=fmt)
    else:
        values = np.asarray(getattr(tensor, _FROM_FIELD[tensor.dtype]))
        if values.size == 1 and count > 1:
            values = np.repeat(values, count)  # version 0: one value fills the shape
        if values.size != count:
            raise BadInput(f"{_FROM_FIELD[tensor.dtype]} holds {values.size} values, shape {shape} needs {count}")
    return values.astype(np.float64).reshape(shape)


def labels_tensor(labels: np.ndarray) -> tensor_pb2.TensorProto:
    return tensor_pb2.TensorProto(
        dtype=types_pb2.DT_INT64,
        tensor_shape=tensor_shape_pb2.TensorShapeProto(dim=[tensor_shape_pb2.TensorShapeProto.Dim(size=len(labels))]),
        int64_val=labels.tolist(),
    )


class PredictionService(prediction_service_pb2_grpc.PredictionServiceServicer):
    def __init__(self, iris: IrisModel) -> None:
        self.iris = iris

    async def Predict(self, request: predict_pb2.PredictRequest, context: grpc.aio.ServicerContext):  # noqa: N802
        spec = request.model_spec
        if spec.name != MODEL_NAME:
            await context.abort(grpc.StatusCode.NOT_FOUND, f"Servable not found for request: Latest({spec.name})")
        if spec.HasField("version") and spec.version.value != MODEL_VERSION:
            await context.abort(
                grpc.StatusCode.NOT_FOUND,
                f"Servable not found for request: Specific({spec.name}, {spec.version.value})",
            )
        unknown = [o for o in request.output_filter if o != OUTPUT]
        if unknown:
            await context.abort(
                grpc.StatusCode.INVALID_ARGUMENT, f"output tensor alias not found in signature: {', '.join(unknown)}"
            )
        name, tensor = self._input(request)
        if tensor is None:
            await context.abort(
                grpc.StatusCode.INVALID_ARGUMENT,
                f"expected one input tensor named 'inputs' or 'instances', got {sorted(request.inputs)}",
            )
        try:
            rows = tensor_rows(tensor)
        except BadInput as e:
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, f"input '{name}': {e}")
        response = predict_pb2.PredictResponse()
        response.model_spec.name = MODEL_NAME
        response.model_spec.version.value = MODEL_VERSION
        response.model_spec.signature_name = spec.signature_name or SIGNATURE
        response.outputs[OUTPUT].CopyFrom(labels_tensor(self.iris.predict(rows)))
        return response

    @staticmethod
    def _input(request: predict_pb2.PredictRequest) -> Tuple[str, Optional[tensor_pb2.TensorProto]]:
        for name in ("inputs", "instances"):
            if name in request.inputs:
                return name, request.inputs[name]
        if len(request.inputs) == 1:
            name = next(iter(request.inputs))
            return name, request.inputs[name]
        return "", None


# -------------------------------------------------------------------------------------------- server


class TensorFlowProtocolServer(kserve.ModelServer):
    """KServe's ModelServer bound to HOST, plus the PredictionService gRPC server in the same loop."""

    def __init__(self, iris: IrisModel) -> None:
        super().__init__(http_port=REST_PORT, enable_grpc=False, workers=1, enable_latency_logging=False)
        self.iris = iris

    async def _serve(self) -> None:
        if self._rest_server is not None:
            self._rest_server.config.host = HOST  # kserve hard-codes 0.0.0.0
        if not ACCESS_LOG:
            # uvicorn logs each request when its access logger has handlers (kserve adds them), and
            # kserve's timing middleware logs two kserve.trace lines per request: keep both quiet.
            logging.getLogger("uvicorn.access").setLevel(logging.WARNING)
            logging.getLogger("kserve.trace").setLevel(logging.WARNING)
        # No SO_REUSEPORT: a second copy must fail to bind instead of silently sharing the port.
        server = grpc.aio.server(options=[("grpc.so_reuseport", 0)])
        prediction_service_pb2_grpc.add_PredictionServiceServicer_to_server(PredictionService(self.iris), server)
        server.add_insecure_port(f"{HOST}:{GRPC_PORT}")
        await server.start()
        log.info("tensorflow.serving.PredictionService listening on %s:%d", HOST, GRPC_PORT)
        try:
            await super()._serve()
        finally:
            await server.stop(grace=2)


def main() -> None:
    iris = IrisModel(os.environ["IRIS_MODEL_PATH"])
    model = IrisV1(MODEL_NAME, iris)
    model.load()
    TensorFlowProtocolServer(iris).start([model])


if __name__ == "__main__":
    main()
