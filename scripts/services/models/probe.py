"""Readiness probe of the local model servers: real predictions, checked against truth.json.

    python probe.py --service mlserver|seldon|tensorflow --truth .cache/models/iris/truth.json
                    [--timeout SECONDS] [--pid PID] [--host 127.0.0.1]

Sends the 10 truth rows to every endpoint of the service (its REST and its gRPC port) and compares the
labels with truth.json. Retries until all endpoints agree or --timeout passes (0: one try).
Exit codes: 0 all endpoints answer the truth labels; 1 timed out (last error per endpoint on stderr);
3 the --pid process exited; 4 an endpoint answers but its labels differ from truth.json.

Runs in the kserve venv (grpcio + protobuf 6) with PROTO_PY_DIR holding the Python code that models.sh
generates from protos/ (inference, seldon/protos, tensorflow, tensorflow_serving).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import urllib.error
import urllib.request
from typing import Any, Callable, Dict, List, Tuple

import grpc

sys.path.insert(0, os.environ["PROTO_PY_DIR"])

from google.protobuf import struct_pb2  # noqa: E402
from inference import grpc_service_pb2, grpc_service_pb2_grpc  # noqa: E402
from seldon.protos import prediction_pb2, prediction_pb2_grpc  # noqa: E402
from tensorflow.core.framework import tensor_pb2, tensor_shape_pb2, types_pb2  # noqa: E402
from tensorflow_serving.apis import predict_pb2, prediction_service_pb2_grpc  # noqa: E402

TIMEOUT = 5.0
# Loopback only: never through an HTTP(S)_PROXY from the environment (urllib and grpc both honour it).
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))
_CHANNEL_OPTIONS = [("grpc.enable_http_proxy", 0)]


class WrongAnswer(Exception):
    """The endpoint answered, with labels that differ from truth.json."""


def post_json(url: str, body: Dict[str, Any]) -> Any:
    req = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}, method="POST"
    )
    with _OPENER.open(req, timeout=TIMEOUT) as res:
        return json.loads(res.read())


def as_labels(values: Any) -> List[int]:
    return [int(round(float(v))) for v in values]


# -------------------------------------------------------------------------------------------- MLServer


def mlserver_rest(host: str, rows: List[List[float]]) -> List[int]:
    body = {"inputs": [{"name": "input-0", "shape": [len(rows), 4], "datatype": "FP64", "data": rows}]}
    res = post_json(f"http://{host}:8080/v2/models/iris/infer", body)
    return as_labels(res["outputs"][0]["data"])


def mlserver_grpc(host: str, rows: List[List[float]]) -> List[int]:
    with grpc.insecure_channel(f"{host}:8081", options=_CHANNEL_OPTIONS) as channel:
        stub = grpc_service_pb2_grpc.GRPCInferenceServiceStub(channel)
        req = grpc_service_pb2.ModelInferRequest(model_name="iris")
        tensor = req.inputs.add(name="input-0", datatype="FP64", shape=[len(rows), 4])
        tensor.contents.fp64_contents.extend(v for row in rows for v in row)
        res = stub.ModelInfer(req, timeout=TIMEOUT)
    out = res.outputs[0]
    if res.raw_output_contents:
        import numpy as np

        return as_labels(np.frombuffer(res.raw_output_contents[0], dtype="<i8"))
    return as_labels(out.contents.int64_contents or out.contents.int_contents)


# ---------------------------------------------------------------------------------------------- seldon


def seldon_rest(host: str, rows: List[List[float]]) -> List[int]:
    res = post_json(f"http://{host}:9000/predict", {"data": {"ndarray": rows}})
    return as_labels(res["data"]["ndarray"])


def seldon_grpc(host: str, rows: List[List[float]]) -> List[int]:
    ndarray = struct_pb2.ListValue()
    for row in rows:
        ndarray.append(row)
    req = prediction_pb2.SeldonMessage(data=prediction_pb2.DefaultData(ndarray=ndarray))
    with grpc.insecure_channel(f"{host}:5000", options=_CHANNEL_OPTIONS) as channel:
        res = prediction_pb2_grpc.ModelStub(channel).Predict(req, timeout=TIMEOUT)
    return as_labels(v.number_value for v in res.data.ndarray.values)


# ------------------------------------------------------------------------------------------ tensorflow


def tensorflow_rest(host: str, rows: List[List[float]]) -> List[int]:
    res = post_json(f"http://{host}:8501/v1/models/iris:predict", {"instances": rows})
    return as_labels(res["predictions"])


def tensorflow_grpc(host: str, rows: List[List[float]]) -> List[int]:
    tensor = tensor_pb2.TensorProto(
        dtype=types_pb2.DT_FLOAT,
        tensor_shape=tensor_shape_pb2.TensorShapeProto(
            dim=[tensor_shape_pb2.TensorShapeProto.Dim(size=len(rows)), tensor_shape_pb2.TensorShapeProto.Dim(size=4)]
        ),
        float_val=[v for row in rows for v in row],
    )
    req = predict_pb2.PredictRequest()
    req.model_spec.name = "iris"
    req.inputs["inputs"].CopyFrom(tensor)
    with grpc.insecure_channel(f"{host}:8500", options=_CHANNEL_OPTIONS) as channel:
        res = prediction_service_pb2_grpc.PredictionServiceStub(channel).Predict(req, timeout=TIMEOUT)
    return as_labels(res.outputs["predictions"].int64_val)


ENDPOINTS: Dict[str, List[Tuple[str, Callable[[str, List[List[float]]], List[int]]]]] = {
    "mlserver": [("rest :8080", mlserver_rest), ("grpc :8081", mlserver_grpc)],
    "seldon": [("rest :9000", seldon_rest), ("grpc :5000", seldon_grpc)],
    "tensorflow": [("rest :8501", tensorflow_rest), ("grpc :8500", tensorflow_grpc)],
}


def describe(e: BaseException) -> str:
    if isinstance(e, grpc.RpcError):
        return f"gRPC {e.code().name}: {e.details()}"  # type: ignore[attr-defined]
    if isinstance(e, urllib.error.HTTPError):
        return f"HTTP {e.code}: {e.read()[:300].decode(errors='replace')}"
    if isinstance(e, urllib.error.URLError):
        return f"{e.reason}"
    return f"{type(e).__name__}: {e}"


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--service", required=True, choices=sorted(ENDPOINTS))
    parser.add_argument("--truth", required=True)
    parser.add_argument("--timeout", type=float, default=0)
    parser.add_argument("--pid", type=int, default=0)
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args()

    with open(args.truth, encoding="utf-8") as f:
        truth = json.load(f)
    rows, labels = truth["rows"], truth["labels"]
    pending = dict(ENDPOINTS[args.service])
    errors: Dict[str, str] = {}
    deadline = time.monotonic() + args.timeout
    while True:
        for name, call in list(pending.items()):
            try:
                got = call(args.host, rows)
            except Exception as e:  # noqa: BLE001 - any failure means "not ready yet"
                errors[name] = describe(e)
                continue
            if got != labels:
                print(f"probe: {args.service} {name} answers {got}, truth.json says {labels}", file=sys.stderr)
                return 4
            del pending[name]
            errors.pop(name, None)
        if not pending:
            return 0
        if args.pid and not alive(args.pid):
            print(f"probe: {args.service} process {args.pid} exited", file=sys.stderr)
            return 3
        if time.monotonic() >= deadline:
            for name, error in errors.items():
                print(f"probe: {args.service} {name}: {error}", file=sys.stderr)
            return 1
        time.sleep(1.0)


if __name__ == "__main__":
    sys.exit(main())
