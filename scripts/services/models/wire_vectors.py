"""Reference protobuf messages for the wire-compatibility test (test/integration/wire-compat.test.ts).

Each reference implementation builds the same messages, with known field values, with its own
generated code, so the handler's protos/ are checked against code generated from the originals:

  seldon     seldon-core's seldon_core.proto.prediction_pb2 (venv seldon)
  mlserver   MLServer's mlserver.grpc.dataplane_pb2 (venv mlserver)
  triton     tritonclient's tritonclient.grpc.service_pb2 (venv mlserver)
  tfserving  tensorflow-serving-api's predict_pb2 / model_pb2, with TensorFlow's framework messages from
             tensorflow-protobuf (venv tfserving-api; tensorflow-serving-api itself requires TensorFlow)

Usage, in the venv of IMPL:
  python wire_vectors.py IMPL write DIR   writes DIR/<case>.bin (deterministic serialization) and
                                          DIR/cases.json {case: message full name}
  python wire_vectors.py IMPL check DIR   parses DIR/<case>.bin (written by the handler's protobufjs) with
                                          IMPL's classes, compares each with the same case built here and
                                          prints {case: {"equal", "same_bytes", "error"}} as JSON
"""

from __future__ import annotations

import json
import os
import struct
import sys
from typing import Any, Callable, Dict, List, Tuple

Case = Tuple[str, Callable[[], Any]]

ROWS = [[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]]


def f64le(values: List[float]) -> bytes:
    return struct.pack("<%dd" % len(values), *values)


def i64le(values: List[int]) -> bytes:
    return struct.pack("<%dq" % len(values), *values)


def length_prefixed(items: List[bytes]) -> bytes:
    return b"".join(struct.pack("<I", len(b)) + b for b in items)


# ------------------------------------------------------------------------------------------- seldon


def seldon_cases() -> List[Case]:
    from seldon_core.proto import prediction_pb2 as p
    from seldon_core.proto.tensorflow.core.framework import types_pb2

    def ndarray() -> Any:
        m = p.SeldonMessage()
        m.data.names.extend(["sepal_length", "sepal_width", "petal_length", "petal_width"])
        m.data.ndarray.extend(ROWS)
        return m

    def tensor() -> Any:
        m = p.SeldonMessage()
        m.data.tensor.shape.extend([2, 4])
        m.data.tensor.values.extend(ROWS[0] + ROWS[1])
        return m

    def tftensor() -> Any:
        m = p.SeldonMessage()
        t = m.data.tftensor
        t.dtype = types_pb2.DT_DOUBLE
        t.tensor_shape.dim.add(size=1)
        t.tensor_shape.dim.add(size=4)
        t.double_val.extend(ROWS[0])
        return m

    def str_data() -> Any:
        return p.SeldonMessage(strData="hello \u2713")

    def bin_data() -> Any:
        return p.SeldonMessage(binData=b"\x00\x01\xfe\xff")

    def json_data() -> Any:
        m = p.SeldonMessage()
        m.jsonData.struct_value.update({"a": 1.5, "b": ["x", True, None]})
        return m

    def custom_data() -> Any:
        m = p.SeldonMessage()
        m.customData.type_url = "type.googleapis.com/seldon.protos.Status"
        m.customData.value = p.Status(code=7).SerializeToString()
        return m

    def meta_status() -> Any:
        m = p.SeldonMessage(strData="x")
        m.meta.puid = "puid-1"
        m.meta.tags["model"].string_value = "iris"
        m.meta.tags["score"].number_value = 0.5
        m.meta.routing["router"] = 1
        m.meta.requestPath["iris"] = "image:1"
        metric = m.meta.metrics.add(key="latency", type=p.Metric.GAUGE, value=1.5)
        metric.tags["k"] = "v"
        m.status.code = 500
        m.status.info = "info"
        m.status.reason = "why"
        m.status.status = p.Status.FAILURE
        return m

    def answer() -> Any:
        # What the seldon-core microservice answers for two rows: labels as doubles, no names.
        m = p.SeldonMessage()
        m.data.ndarray.extend([0.0, 2.0])
        m.meta.SetInParent()
        return m

    def message_list() -> Any:
        return p.SeldonMessageList(seldonMessages=[ndarray(), str_data()])

    def feedback() -> Any:
        return p.Feedback(request=ndarray(), response=answer(), reward=1.0, truth=answer())

    return [
        ("seldon_ndarray", ndarray),
        ("seldon_tensor", tensor),
        ("seldon_tftensor", tftensor),
        ("seldon_str", str_data),
        ("seldon_bin", bin_data),
        ("seldon_json", json_data),
        ("seldon_custom", custom_data),
        ("seldon_meta_status", meta_status),
        ("seldon_answer", answer),
        ("seldon_list", message_list),
        ("seldon_feedback", feedback),
    ]


# ----------------------------------------------------------------------------------------------- V2


def v2_cases(pb: Any, extended_parameters: bool) -> List[Case]:
    def typed_request() -> Any:
        m = pb.ModelInferRequest(model_name="iris", model_version="1", id="req-1")
        m.parameters["content_type"].string_param = "np"
        m.parameters["flag"].bool_param = True
        m.parameters["n"].int64_param = -3
        x = m.inputs.add(name="predict", datatype="FP64", shape=[2, 4])
        x.parameters["content_type"].string_param = "np"
        x.contents.fp64_contents.extend(ROWS[0] + ROWS[1])
        m.inputs.add(name="flags", datatype="BOOL", shape=[2]).contents.bool_contents.extend([True, False])
        m.inputs.add(name="ids", datatype="INT64", shape=[2]).contents.int64_contents.extend([-1, 2**40])
        m.inputs.add(name="small", datatype="INT32", shape=[1]).contents.int_contents.extend([-5])
        m.inputs.add(name="u32", datatype="UINT32", shape=[2]).contents.uint_contents.extend([1, 4000000000])
        m.inputs.add(name="u64", datatype="UINT64", shape=[1]).contents.uint64_contents.extend([2**63])
        m.inputs.add(name="f32", datatype="FP32", shape=[2]).contents.fp32_contents.extend([0.5, -1.25])
        m.inputs.add(name="text", datatype="BYTES", shape=[2]).contents.bytes_contents.extend([b"ab", b"\x00\xff"])
        out = m.outputs.add(name="predict")
        out.parameters["binary_data"].bool_param = False
        return m

    def raw_request() -> Any:
        m = pb.ModelInferRequest(model_name="iris")
        m.inputs.add(name="predict", datatype="FP64", shape=[1, 4])
        m.inputs.add(name="names", datatype="BYTES", shape=[2])
        m.raw_input_contents.extend([f64le(ROWS[0]), length_prefixed([b"setosa", b""])])
        return m

    def typed_response() -> Any:
        m = pb.ModelInferResponse(model_name="iris", model_version="1", id="req-1")
        m.parameters["content_type"].string_param = "np"
        out = m.outputs.add(name="predict", datatype="INT64", shape=[2, 1])
        out.contents.int64_contents.extend([0, 2])
        return m

    def raw_response() -> Any:
        m = pb.ModelInferResponse(model_name="iris")
        m.outputs.add(name="predict", datatype="INT64", shape=[2, 1])
        m.raw_output_contents.append(i64le([0, 2]))
        return m

    cases: List[Case] = [
        ("v2_request_typed", typed_request),
        ("v2_request_raw", raw_request),
        ("v2_response_typed", typed_response),
        ("v2_response_raw", raw_response),
    ]
    if extended_parameters:

        def parameters() -> Any:
            m = pb.ModelInferRequest(model_name="iris")
            m.parameters["ratio"].double_param = 0.25
            m.parameters["big"].uint64_param = 2**64 - 1
            m.inputs.add(name="predict", datatype="FP64", shape=[1, 4]).contents.fp64_contents.extend(ROWS[0])
            return m

        cases.append(("v2_request_parameters", parameters))
    return cases


def mlserver_cases() -> List[Case]:
    from mlserver.grpc import dataplane_pb2

    # MLServer's InferParameter has bool, int64 and string parameters only.
    return v2_cases(dataplane_pb2, extended_parameters=False)


def triton_cases() -> List[Case]:
    from tritonclient.grpc import service_pb2

    return v2_cases(service_pb2, extended_parameters=True)


# ------------------------------------------------------------------------------------------ tfserving


def tfserving_cases() -> List[Case]:
    from tensorflow.core.framework import types_pb2
    from tensorflow_serving.apis import predict_pb2

    # tensorflow-protobuf ships an older copy of tensorflow_serving/apis; the official one must win.
    if "request_options" not in predict_pb2.PredictRequest.DESCRIPTOR.fields_by_name:
        raise SystemExit("tensorflow_serving.apis.predict_pb2 is not tensorflow-serving-api's")

    def shaped(t: Any, dims: List[int]) -> Any:
        for d in dims:
            t.tensor_shape.dim.add(size=d)
        return t

    def float_request() -> Any:
        m = predict_pb2.PredictRequest()
        m.model_spec.name = "iris"
        m.model_spec.version.value = 1
        m.model_spec.signature_name = "serving_default"
        t = shaped(m.inputs["inputs"], [2, 4])
        t.dtype = types_pb2.DT_FLOAT
        t.float_val.extend([5.5, 3.5, 1.5, 0.25, 6.75, 3.0, 5.25, 2.5])
        m.output_filter.append("predictions")
        return m

    def content_request() -> Any:
        m = predict_pb2.PredictRequest()
        m.model_spec.name = "iris"
        m.model_spec.version_label = "stable"
        t = shaped(m.inputs["instances"], [1, 4])
        t.dtype = types_pb2.DT_DOUBLE
        t.tensor_content = f64le(ROWS[0])
        return m

    def dtypes_request() -> Any:
        m = predict_pb2.PredictRequest()
        m.model_spec.name = "iris"
        a = shaped(m.inputs["a"], [3])
        a.dtype = types_pb2.DT_INT64
        a.int64_val.extend([1, -2, 2**40])
        b = shaped(m.inputs["b"], [2])
        b.dtype = types_pb2.DT_STRING
        b.string_val.extend([b"x", b"yz"])
        c = shaped(m.inputs["c"], [2])
        c.dtype = types_pb2.DT_BOOL
        c.bool_val.extend([True, False])
        d = shaped(m.inputs["d"], [1])
        d.dtype = types_pb2.DT_HALF
        d.half_val.append(15360)
        e = shaped(m.inputs["e"], [1])
        e.dtype = types_pb2.DT_UINT64
        e.uint64_val.append(2**63)
        f = shaped(m.inputs["f"], [2])
        f.dtype = types_pb2.DT_INT32
        f.int_val.extend([-7, 7])
        f.version_number = 1
        return m

    def response() -> Any:
        m = predict_pb2.PredictResponse()
        m.model_spec.name = "iris"
        m.model_spec.version.value = 1
        m.model_spec.signature_name = "serving_default"
        t = shaped(m.outputs["predictions"], [2])
        t.dtype = types_pb2.DT_INT64
        t.int64_val.extend([0, 2])
        return m

    return [
        ("tf_request_float", float_request),
        ("tf_request_content", content_request),
        ("tf_request_dtypes", dtypes_request),
        ("tf_response", response),
    ]


IMPLS: Dict[str, Callable[[], List[Case]]] = {
    "seldon": seldon_cases,
    "mlserver": mlserver_cases,
    "triton": triton_cases,
    "tfserving": tfserving_cases,
}


def write(cases: List[Case], folder: str) -> None:
    os.makedirs(folder, exist_ok=True)
    names = {}
    for name, build in cases:
        message = build()
        with open(os.path.join(folder, name + ".bin"), "wb") as f:
            f.write(message.SerializeToString(deterministic=True))
        names[name] = message.DESCRIPTOR.full_name
    with open(os.path.join(folder, "cases.json"), "w") as f:
        json.dump(names, f, indent=2, sort_keys=True)


def check(cases: List[Case], folder: str) -> Dict[str, Dict[str, Any]]:
    report: Dict[str, Dict[str, Any]] = {}
    for name, build in cases:
        path = os.path.join(folder, name + ".bin")
        if not os.path.exists(path):
            continue
        expected = build()
        with open(path, "rb") as f:
            data = f.read()
        try:
            parsed = type(expected).FromString(data)
        except Exception as e:  # noqa: BLE001 - reported, the test fails on it
            report[name] = {"equal": False, "same_bytes": False, "error": f"{type(e).__name__}: {e}"}
            continue
        report[name] = {
            "equal": parsed == expected,
            "same_bytes": expected.SerializeToString(deterministic=True) == data,
            "error": None if parsed == expected else f"parsed:\n{parsed}\nexpected:\n{expected}",
        }
    return report


def main(argv: List[str]) -> int:
    if len(argv) != 4 or argv[1] not in IMPLS or argv[2] not in ("write", "check"):
        print(__doc__, file=sys.stderr)
        return 2
    cases = IMPLS[argv[1]]()
    if argv[2] == "write":
        write(cases, argv[3])
    else:
        print(json.dumps(check(cases, argv[3]), indent=2, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
