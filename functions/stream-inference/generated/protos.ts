// GENERATED FILE: do not edit. Made by `npx tsx scripts/generate-protos.ts` from protos/
// (seldon/protos/prediction.proto, tensorflow_serving/apis/prediction_service.proto, inference/grpc_service.proto
// and their imports): the protobufjs JSON descriptor, as `pbjs -t json --keep-case` writes it,
// loaded at runtime with protobufjs/light Root.fromJSON.
import type { INamespace } from 'protobufjs/light.js';

export const descriptor: INamespace = JSON.parse(String.raw`{
  "nested": {
    "seldon": {
      "nested": {
        "protos": {
          "options": {
            "java_outer_classname": "PredictionProtos",
            "java_package": "io.seldon.protos"
          },
          "nested": {
            "SeldonMessage": {
              "oneofs": {
                "data_oneof": {
                  "oneof": [
                    "data",
                    "binData",
                    "strData",
                    "jsonData",
                    "customData"
                  ]
                }
              },
              "fields": {
                "status": {
                  "type": "Status",
                  "id": 1
                },
                "meta": {
                  "type": "Meta",
                  "id": 2
                },
                "data": {
                  "type": "DefaultData",
                  "id": 3
                },
                "binData": {
                  "type": "bytes",
                  "id": 4
                },
                "strData": {
                  "type": "string",
                  "id": 5
                },
                "jsonData": {
                  "type": "google.protobuf.Value",
                  "id": 6
                },
                "customData": {
                  "type": "google.protobuf.Any",
                  "id": 7
                }
              }
            },
            "DefaultData": {
              "oneofs": {
                "data_oneof": {
                  "oneof": [
                    "tensor",
                    "ndarray",
                    "tftensor"
                  ]
                }
              },
              "fields": {
                "names": {
                  "rule": "repeated",
                  "type": "string",
                  "id": 1
                },
                "tensor": {
                  "type": "Tensor",
                  "id": 2
                },
                "ndarray": {
                  "type": "google.protobuf.ListValue",
                  "id": 3
                },
                "tftensor": {
                  "type": "tensorflow.TensorProto",
                  "id": 4
                }
              }
            },
            "Tensor": {
              "fields": {
                "shape": {
                  "rule": "repeated",
                  "type": "int32",
                  "id": 1,
                  "options": {
                    "packed": true
                  }
                },
                "values": {
                  "rule": "repeated",
                  "type": "double",
                  "id": 2,
                  "options": {
                    "packed": true
                  }
                }
              }
            },
            "Meta": {
              "fields": {
                "puid": {
                  "type": "string",
                  "id": 1
                },
                "tags": {
                  "keyType": "string",
                  "type": "google.protobuf.Value",
                  "id": 2
                },
                "routing": {
                  "keyType": "string",
                  "type": "int32",
                  "id": 3
                },
                "requestPath": {
                  "keyType": "string",
                  "type": "string",
                  "id": 4
                },
                "metrics": {
                  "rule": "repeated",
                  "type": "Metric",
                  "id": 5
                }
              }
            },
            "Metric": {
              "fields": {
                "key": {
                  "type": "string",
                  "id": 1
                },
                "type": {
                  "type": "MetricType",
                  "id": 2
                },
                "value": {
                  "type": "float",
                  "id": 3
                },
                "tags": {
                  "keyType": "string",
                  "type": "string",
                  "id": 4
                }
              },
              "nested": {
                "MetricType": {
                  "values": {
                    "COUNTER": 0,
                    "GAUGE": 1,
                    "TIMER": 2
                  }
                }
              }
            },
            "SeldonMessageList": {
              "fields": {
                "seldonMessages": {
                  "rule": "repeated",
                  "type": "SeldonMessage",
                  "id": 1
                }
              }
            },
            "Status": {
              "fields": {
                "code": {
                  "type": "int32",
                  "id": 1
                },
                "info": {
                  "type": "string",
                  "id": 2
                },
                "reason": {
                  "type": "string",
                  "id": 3
                },
                "status": {
                  "type": "StatusFlag",
                  "id": 4
                }
              },
              "nested": {
                "StatusFlag": {
                  "values": {
                    "SUCCESS": 0,
                    "FAILURE": 1
                  }
                }
              }
            },
            "Feedback": {
              "fields": {
                "request": {
                  "type": "SeldonMessage",
                  "id": 1
                },
                "response": {
                  "type": "SeldonMessage",
                  "id": 2
                },
                "reward": {
                  "type": "float",
                  "id": 3
                },
                "truth": {
                  "type": "SeldonMessage",
                  "id": 4
                }
              }
            },
            "RequestResponse": {
              "fields": {
                "request": {
                  "type": "SeldonMessage",
                  "id": 1
                },
                "response": {
                  "type": "SeldonMessage",
                  "id": 2
                }
              }
            },
            "SeldonModelMetadataRequest": {
              "fields": {
                "name": {
                  "type": "string",
                  "id": 1
                }
              }
            },
            "SeldonMessageMetadata": {
              "fields": {
                "messagetype": {
                  "type": "string",
                  "id": 1
                },
                "schema": {
                  "type": "google.protobuf.Value",
                  "id": 2
                },
                "name": {
                  "type": "string",
                  "id": 3
                },
                "datatype": {
                  "type": "string",
                  "id": 4
                },
                "shape": {
                  "rule": "repeated",
                  "type": "int64",
                  "id": 5
                }
              }
            },
            "SeldonModelMetadata": {
              "fields": {
                "name": {
                  "type": "string",
                  "id": 1
                },
                "versions": {
                  "rule": "repeated",
                  "type": "string",
                  "id": 2
                },
                "platform": {
                  "type": "string",
                  "id": 3
                },
                "inputs": {
                  "rule": "repeated",
                  "type": "SeldonMessageMetadata",
                  "id": 4
                },
                "outputs": {
                  "rule": "repeated",
                  "type": "SeldonMessageMetadata",
                  "id": 5
                },
                "custom": {
                  "keyType": "string",
                  "type": "string",
                  "id": 6
                }
              }
            },
            "SeldonGraphMetadata": {
              "fields": {
                "name": {
                  "type": "string",
                  "id": 1
                },
                "models": {
                  "keyType": "string",
                  "type": "SeldonModelMetadata",
                  "id": 2
                },
                "inputs": {
                  "rule": "repeated",
                  "type": "SeldonMessageMetadata",
                  "id": 3
                },
                "outputs": {
                  "rule": "repeated",
                  "type": "SeldonMessageMetadata",
                  "id": 4
                }
              }
            },
            "Generic": {
              "methods": {
                "TransformInput": {
                  "requestType": "SeldonMessage",
                  "responseType": "SeldonMessage"
                },
                "TransformOutput": {
                  "requestType": "SeldonMessage",
                  "responseType": "SeldonMessage"
                },
                "Route": {
                  "requestType": "SeldonMessage",
                  "responseType": "SeldonMessage"
                },
                "Aggregate": {
                  "requestType": "SeldonMessageList",
                  "responseType": "SeldonMessage"
                },
                "SendFeedback": {
                  "requestType": "Feedback",
                  "responseType": "SeldonMessage"
                }
              }
            },
            "Model": {
              "methods": {
                "Predict": {
                  "requestType": "SeldonMessage",
                  "responseType": "SeldonMessage"
                },
                "SendFeedback": {
                  "requestType": "Feedback",
                  "responseType": "SeldonMessage"
                },
                "Metadata": {
                  "requestType": "google.protobuf.Empty",
                  "responseType": "SeldonModelMetadata"
                }
              }
            },
            "Router": {
              "methods": {
                "Route": {
                  "requestType": "SeldonMessage",
                  "responseType": "SeldonMessage"
                },
                "SendFeedback": {
                  "requestType": "Feedback",
                  "responseType": "SeldonMessage"
                }
              }
            },
            "Transformer": {
              "methods": {
                "TransformInput": {
                  "requestType": "SeldonMessage",
                  "responseType": "SeldonMessage"
                }
              }
            },
            "OutputTransformer": {
              "methods": {
                "TransformOutput": {
                  "requestType": "SeldonMessage",
                  "responseType": "SeldonMessage"
                }
              }
            },
            "Combiner": {
              "methods": {
                "Aggregate": {
                  "requestType": "SeldonMessageList",
                  "responseType": "SeldonMessage"
                }
              }
            },
            "Seldon": {
              "methods": {
                "Predict": {
                  "requestType": "SeldonMessage",
                  "responseType": "SeldonMessage"
                },
                "SendFeedback": {
                  "requestType": "Feedback",
                  "responseType": "SeldonMessage"
                },
                "ModelMetadata": {
                  "requestType": "SeldonModelMetadataRequest",
                  "responseType": "SeldonModelMetadata"
                },
                "GraphMetadata": {
                  "requestType": "google.protobuf.Empty",
                  "responseType": "SeldonGraphMetadata"
                }
              }
            }
          }
        }
      }
    },
    "tensorflow": {
      "options": {
        "java_multiple_files": true,
        "java_outer_classname": "TypesProtos",
        "java_package": "org.tensorflow.framework"
      },
      "nested": {
        "TensorProto": {
          "fields": {
            "dtype": {
              "type": "DataType",
              "id": 1
            },
            "tensor_shape": {
              "type": "TensorShapeProto",
              "id": 2
            },
            "version_number": {
              "type": "int32",
              "id": 3
            },
            "tensor_content": {
              "type": "bytes",
              "id": 4
            },
            "half_val": {
              "rule": "repeated",
              "type": "int32",
              "id": 13,
              "options": {
                "packed": true
              }
            },
            "float_val": {
              "rule": "repeated",
              "type": "float",
              "id": 5,
              "options": {
                "packed": true
              }
            },
            "double_val": {
              "rule": "repeated",
              "type": "double",
              "id": 6,
              "options": {
                "packed": true
              }
            },
            "int_val": {
              "rule": "repeated",
              "type": "int32",
              "id": 7,
              "options": {
                "packed": true
              }
            },
            "string_val": {
              "rule": "repeated",
              "type": "bytes",
              "id": 8
            },
            "scomplex_val": {
              "rule": "repeated",
              "type": "float",
              "id": 9,
              "options": {
                "packed": true
              }
            },
            "int64_val": {
              "rule": "repeated",
              "type": "int64",
              "id": 10,
              "options": {
                "packed": true
              }
            },
            "bool_val": {
              "rule": "repeated",
              "type": "bool",
              "id": 11,
              "options": {
                "packed": true
              }
            },
            "dcomplex_val": {
              "rule": "repeated",
              "type": "double",
              "id": 12,
              "options": {
                "packed": true
              }
            },
            "resource_handle_val": {
              "rule": "repeated",
              "type": "ResourceHandleProto",
              "id": 14
            },
            "variant_val": {
              "rule": "repeated",
              "type": "VariantTensorDataProto",
              "id": 15
            },
            "uint32_val": {
              "rule": "repeated",
              "type": "uint32",
              "id": 16,
              "options": {
                "packed": true
              }
            },
            "uint64_val": {
              "rule": "repeated",
              "type": "uint64",
              "id": 17,
              "options": {
                "packed": true
              }
            },
            "float8_val": {
              "type": "bytes",
              "id": 18
            }
          }
        },
        "VariantTensorDataProto": {
          "fields": {
            "type_name": {
              "type": "string",
              "id": 1
            },
            "metadata": {
              "type": "bytes",
              "id": 2
            },
            "tensors": {
              "rule": "repeated",
              "type": "TensorProto",
              "id": 3
            }
          }
        },
        "ResourceHandleProto": {
          "fields": {
            "device": {
              "type": "string",
              "id": 1
            },
            "container": {
              "type": "string",
              "id": 2
            },
            "name": {
              "type": "string",
              "id": 3
            },
            "hash_code": {
              "type": "uint64",
              "id": 4
            },
            "maybe_type_name": {
              "type": "string",
              "id": 5
            },
            "dtypes_and_shapes": {
              "rule": "repeated",
              "type": "DtypeAndShape",
              "id": 6
            }
          },
          "reserved": [
            [
              7,
              7
            ]
          ],
          "nested": {
            "DtypeAndShape": {
              "fields": {
                "dtype": {
                  "type": "DataType",
                  "id": 1
                },
                "shape": {
                  "type": "TensorShapeProto",
                  "id": 2
                }
              }
            }
          }
        },
        "TensorShapeProto": {
          "fields": {
            "dim": {
              "rule": "repeated",
              "type": "Dim",
              "id": 2
            },
            "unknown_rank": {
              "type": "bool",
              "id": 3
            }
          },
          "nested": {
            "Dim": {
              "fields": {
                "size": {
                  "type": "int64",
                  "id": 1
                },
                "name": {
                  "type": "string",
                  "id": 2
                }
              }
            }
          }
        },
        "DataType": {
          "values": {
            "DT_INVALID": 0,
            "DT_FLOAT": 1,
            "DT_DOUBLE": 2,
            "DT_INT32": 3,
            "DT_UINT8": 4,
            "DT_INT16": 5,
            "DT_INT8": 6,
            "DT_STRING": 7,
            "DT_COMPLEX64": 8,
            "DT_INT64": 9,
            "DT_BOOL": 10,
            "DT_QINT8": 11,
            "DT_QUINT8": 12,
            "DT_QINT32": 13,
            "DT_BFLOAT16": 14,
            "DT_QINT16": 15,
            "DT_QUINT16": 16,
            "DT_UINT16": 17,
            "DT_COMPLEX128": 18,
            "DT_HALF": 19,
            "DT_RESOURCE": 20,
            "DT_VARIANT": 21,
            "DT_UINT32": 22,
            "DT_UINT64": 23,
            "DT_FLOAT8_E5M2": 24,
            "DT_FLOAT8_E4M3FN": 25,
            "DT_FLOAT8_E4M3FNUZ": 26,
            "DT_FLOAT8_E5M2FNUZ": 28,
            "DT_INT4": 29,
            "DT_UINT4": 30,
            "DT_FLOAT_REF": 101,
            "DT_DOUBLE_REF": 102,
            "DT_INT32_REF": 103,
            "DT_UINT8_REF": 104,
            "DT_INT16_REF": 105,
            "DT_INT8_REF": 106,
            "DT_STRING_REF": 107,
            "DT_COMPLEX64_REF": 108,
            "DT_INT64_REF": 109,
            "DT_BOOL_REF": 110,
            "DT_QINT8_REF": 111,
            "DT_QUINT8_REF": 112,
            "DT_QINT32_REF": 113,
            "DT_BFLOAT16_REF": 114,
            "DT_QINT16_REF": 115,
            "DT_QUINT16_REF": 116,
            "DT_UINT16_REF": 117,
            "DT_COMPLEX128_REF": 118,
            "DT_HALF_REF": 119,
            "DT_RESOURCE_REF": 120,
            "DT_VARIANT_REF": 121,
            "DT_UINT32_REF": 122,
            "DT_UINT64_REF": 123,
            "DT_FLOAT8_E5M2_REF": 124,
            "DT_FLOAT8_E4M3FN_REF": 125,
            "DT_FLOAT8_E4M3FNUZ_REF": 126,
            "DT_FLOAT8_E5M2FNUZ_REF": 128,
            "DT_INT4_REF": 129,
            "DT_UINT4_REF": 130
          }
        },
        "SerializedDType": {
          "fields": {
            "datatype": {
              "type": "DataType",
              "id": 1
            }
          }
        },
        "serving": {
          "nested": {
            "PredictionService": {
              "methods": {
                "Predict": {
                  "requestType": "PredictRequest",
                  "responseType": "PredictResponse"
                }
              }
            },
            "PredictRequest": {
              "fields": {
                "model_spec": {
                  "type": "ModelSpec",
                  "id": 1
                },
                "inputs": {
                  "keyType": "string",
                  "type": "tensorflow.TensorProto",
                  "id": 2
                },
                "output_filter": {
                  "rule": "repeated",
                  "type": "string",
                  "id": 3
                }
              },
              "reserved": [
                [
                  4,
                  4
                ]
              ]
            },
            "PredictResponse": {
              "fields": {
                "model_spec": {
                  "type": "ModelSpec",
                  "id": 2
                },
                "outputs": {
                  "keyType": "string",
                  "type": "tensorflow.TensorProto",
                  "id": 1
                }
              }
            },
            "ModelSpec": {
              "oneofs": {
                "version_choice": {
                  "oneof": [
                    "version",
                    "version_label"
                  ]
                }
              },
              "fields": {
                "name": {
                  "type": "string",
                  "id": 1
                },
                "version": {
                  "type": "google.protobuf.Int64Value",
                  "id": 2
                },
                "version_label": {
                  "type": "string",
                  "id": 4
                },
                "signature_name": {
                  "type": "string",
                  "id": 3
                }
              }
            }
          }
        }
      }
    },
    "google": {
      "nested": {
        "protobuf": {
          "nested": {
            "Any": {
              "fields": {
                "type_url": {
                  "type": "string",
                  "id": 1
                },
                "value": {
                  "type": "bytes",
                  "id": 2
                }
              }
            },
            "Empty": {
              "fields": {}
            },
            "Struct": {
              "fields": {
                "fields": {
                  "keyType": "string",
                  "type": "Value",
                  "id": 1
                }
              }
            },
            "Value": {
              "oneofs": {
                "kind": {
                  "oneof": [
                    "nullValue",
                    "numberValue",
                    "stringValue",
                    "boolValue",
                    "structValue",
                    "listValue"
                  ]
                }
              },
              "fields": {
                "nullValue": {
                  "type": "NullValue",
                  "id": 1
                },
                "numberValue": {
                  "type": "double",
                  "id": 2
                },
                "stringValue": {
                  "type": "string",
                  "id": 3
                },
                "boolValue": {
                  "type": "bool",
                  "id": 4
                },
                "structValue": {
                  "type": "Struct",
                  "id": 5
                },
                "listValue": {
                  "type": "ListValue",
                  "id": 6
                }
              }
            },
            "NullValue": {
              "values": {
                "NULL_VALUE": 0
              }
            },
            "ListValue": {
              "fields": {
                "values": {
                  "rule": "repeated",
                  "type": "Value",
                  "id": 1
                }
              }
            },
            "DoubleValue": {
              "fields": {
                "value": {
                  "type": "double",
                  "id": 1
                }
              }
            },
            "FloatValue": {
              "fields": {
                "value": {
                  "type": "float",
                  "id": 1
                }
              }
            },
            "Int64Value": {
              "fields": {
                "value": {
                  "type": "int64",
                  "id": 1
                }
              }
            },
            "UInt64Value": {
              "fields": {
                "value": {
                  "type": "uint64",
                  "id": 1
                }
              }
            },
            "Int32Value": {
              "fields": {
                "value": {
                  "type": "int32",
                  "id": 1
                }
              }
            },
            "UInt32Value": {
              "fields": {
                "value": {
                  "type": "uint32",
                  "id": 1
                }
              }
            },
            "BoolValue": {
              "fields": {
                "value": {
                  "type": "bool",
                  "id": 1
                }
              }
            },
            "StringValue": {
              "fields": {
                "value": {
                  "type": "string",
                  "id": 1
                }
              }
            },
            "BytesValue": {
              "fields": {
                "value": {
                  "type": "bytes",
                  "id": 1
                }
              }
            }
          }
        }
      }
    },
    "inference": {
      "nested": {
        "GRPCInferenceService": {
          "methods": {
            "ServerLive": {
              "requestType": "ServerLiveRequest",
              "responseType": "ServerLiveResponse"
            },
            "ServerReady": {
              "requestType": "ServerReadyRequest",
              "responseType": "ServerReadyResponse"
            },
            "ModelReady": {
              "requestType": "ModelReadyRequest",
              "responseType": "ModelReadyResponse"
            },
            "ServerMetadata": {
              "requestType": "ServerMetadataRequest",
              "responseType": "ServerMetadataResponse"
            },
            "ModelMetadata": {
              "requestType": "ModelMetadataRequest",
              "responseType": "ModelMetadataResponse"
            },
            "ModelInfer": {
              "requestType": "ModelInferRequest",
              "responseType": "ModelInferResponse"
            }
          }
        },
        "ServerLiveRequest": {
          "fields": {}
        },
        "ServerLiveResponse": {
          "fields": {
            "live": {
              "type": "bool",
              "id": 1
            }
          }
        },
        "ServerReadyRequest": {
          "fields": {}
        },
        "ServerReadyResponse": {
          "fields": {
            "ready": {
              "type": "bool",
              "id": 1
            }
          }
        },
        "ModelReadyRequest": {
          "fields": {
            "name": {
              "type": "string",
              "id": 1
            },
            "version": {
              "type": "string",
              "id": 2
            }
          }
        },
        "ModelReadyResponse": {
          "fields": {
            "ready": {
              "type": "bool",
              "id": 1
            }
          }
        },
        "ServerMetadataRequest": {
          "fields": {}
        },
        "ServerMetadataResponse": {
          "fields": {
            "name": {
              "type": "string",
              "id": 1
            },
            "version": {
              "type": "string",
              "id": 2
            },
            "extensions": {
              "rule": "repeated",
              "type": "string",
              "id": 3
            }
          }
        },
        "ModelMetadataRequest": {
          "fields": {
            "name": {
              "type": "string",
              "id": 1
            },
            "version": {
              "type": "string",
              "id": 2
            }
          }
        },
        "ModelMetadataResponse": {
          "fields": {
            "name": {
              "type": "string",
              "id": 1
            },
            "versions": {
              "rule": "repeated",
              "type": "string",
              "id": 2
            },
            "platform": {
              "type": "string",
              "id": 3
            },
            "inputs": {
              "rule": "repeated",
              "type": "TensorMetadata",
              "id": 4
            },
            "outputs": {
              "rule": "repeated",
              "type": "TensorMetadata",
              "id": 5
            },
            "parameters": {
              "keyType": "string",
              "type": "InferParameter",
              "id": 6
            }
          },
          "nested": {
            "TensorMetadata": {
              "fields": {
                "name": {
                  "type": "string",
                  "id": 1
                },
                "datatype": {
                  "type": "string",
                  "id": 2
                },
                "shape": {
                  "rule": "repeated",
                  "type": "int64",
                  "id": 3
                },
                "parameters": {
                  "keyType": "string",
                  "type": "InferParameter",
                  "id": 4
                }
              }
            }
          }
        },
        "ModelInferRequest": {
          "fields": {
            "model_name": {
              "type": "string",
              "id": 1
            },
            "model_version": {
              "type": "string",
              "id": 2
            },
            "id": {
              "type": "string",
              "id": 3
            },
            "parameters": {
              "keyType": "string",
              "type": "InferParameter",
              "id": 4
            },
            "inputs": {
              "rule": "repeated",
              "type": "InferInputTensor",
              "id": 5
            },
            "outputs": {
              "rule": "repeated",
              "type": "InferRequestedOutputTensor",
              "id": 6
            },
            "raw_input_contents": {
              "rule": "repeated",
              "type": "bytes",
              "id": 7
            }
          },
          "nested": {
            "InferInputTensor": {
              "fields": {
                "name": {
                  "type": "string",
                  "id": 1
                },
                "datatype": {
                  "type": "string",
                  "id": 2
                },
                "shape": {
                  "rule": "repeated",
                  "type": "int64",
                  "id": 3
                },
                "parameters": {
                  "keyType": "string",
                  "type": "InferParameter",
                  "id": 4
                },
                "contents": {
                  "type": "InferTensorContents",
                  "id": 5
                }
              }
            },
            "InferRequestedOutputTensor": {
              "fields": {
                "name": {
                  "type": "string",
                  "id": 1
                },
                "parameters": {
                  "keyType": "string",
                  "type": "InferParameter",
                  "id": 2
                }
              }
            }
          }
        },
        "ModelInferResponse": {
          "fields": {
            "model_name": {
              "type": "string",
              "id": 1
            },
            "model_version": {
              "type": "string",
              "id": 2
            },
            "id": {
              "type": "string",
              "id": 3
            },
            "parameters": {
              "keyType": "string",
              "type": "InferParameter",
              "id": 4
            },
            "outputs": {
              "rule": "repeated",
              "type": "InferOutputTensor",
              "id": 5
            },
            "raw_output_contents": {
              "rule": "repeated",
              "type": "bytes",
              "id": 6
            }
          },
          "nested": {
            "InferOutputTensor": {
              "fields": {
                "name": {
                  "type": "string",
                  "id": 1
                },
                "datatype": {
                  "type": "string",
                  "id": 2
                },
                "shape": {
                  "rule": "repeated",
                  "type": "int64",
                  "id": 3
                },
                "parameters": {
                  "keyType": "string",
                  "type": "InferParameter",
                  "id": 4
                },
                "contents": {
                  "type": "InferTensorContents",
                  "id": 5
                }
              }
            }
          }
        },
        "InferParameter": {
          "oneofs": {
            "parameter_choice": {
              "oneof": [
                "bool_param",
                "int64_param",
                "string_param",
                "double_param",
                "uint64_param"
              ]
            }
          },
          "fields": {
            "bool_param": {
              "type": "bool",
              "id": 1
            },
            "int64_param": {
              "type": "int64",
              "id": 2
            },
            "string_param": {
              "type": "string",
              "id": 3
            },
            "double_param": {
              "type": "double",
              "id": 4
            },
            "uint64_param": {
              "type": "uint64",
              "id": 5
            }
          }
        },
        "InferTensorContents": {
          "fields": {
            "bool_contents": {
              "rule": "repeated",
              "type": "bool",
              "id": 1
            },
            "int_contents": {
              "rule": "repeated",
              "type": "int32",
              "id": 2
            },
            "int64_contents": {
              "rule": "repeated",
              "type": "int64",
              "id": 3
            },
            "uint_contents": {
              "rule": "repeated",
              "type": "uint32",
              "id": 4
            },
            "uint64_contents": {
              "rule": "repeated",
              "type": "uint64",
              "id": 5
            },
            "fp32_contents": {
              "rule": "repeated",
              "type": "float",
              "id": 6
            },
            "fp64_contents": {
              "rule": "repeated",
              "type": "double",
              "id": 7
            },
            "bytes_contents": {
              "rule": "repeated",
              "type": "bytes",
              "id": 8
            }
          }
        }
      }
    }
  }
}`);
