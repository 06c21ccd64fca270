"""Reads an ONNX model (a path, bytes or a ModelProto) and checks what the
importer relies on, so that later stages see a well-formed graph."""
import os
import warnings

import onnx
from onnx import external_data_helper

from .errors import ImportError

# Default-domain opsets whose operator semantics the converters implement.
MIN_OPSET, MAX_OPSET = 7, 18


def load(model):
    """The ModelProto for `model`, external data loaded, with its
    default-domain opset version. Raises ImportError for anything else."""
    if isinstance(model, onnx.ModelProto):
        proto, base = model, None
    elif isinstance(model, (bytes, bytearray)):
        proto, base = _parse(bytes(model), "<bytes>"), None
    elif isinstance(model, (str, os.PathLike)):
        path = os.fspath(model)
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError as e:
            raise ImportError(f"cannot read '{path}': {e.strerror}",
                              hint="check the path") from None
        proto, base = _parse(data, path), os.path.dirname(os.path.abspath(path))
    else:
        raise ImportError(f"expected a path, bytes or an onnx.ModelProto, "
                          f"not {type(model).__name__}")
    _load_external(proto, base)
    if not proto.HasField("graph") or not proto.graph.output:
        raise ImportError("the model has no graph or no graph outputs",
                          hint="is this an ONNX model file?")
    return proto, opset_of(proto)


def _parse(data, name):
    proto = onnx.ModelProto()
    hint = "the file is truncated or not an ONNX model; export it again"
    try:
        # protobuf warns (and keeps what it read) when data ends mid-message.
        with warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)
            proto.ParseFromString(data)
    except Exception as e:  # protobuf's DecodeError and friends
        raise ImportError(f"'{name}' is not a valid ONNX protobuf ({e})",
                          hint=hint) from None
    return proto


def opset_of(proto):
    versions = [o.version for o in proto.opset_import if o.domain in ("", "ai.onnx")]
    if not versions:
        raise ImportError("the model imports no default-domain opset",
                          hint="export it with an opset between "
                               f"{MIN_OPSET} and {MAX_OPSET}")
    version = versions[0]
    if not MIN_OPSET <= version <= MAX_OPSET:
        raise ImportError(f"opset {version} is not supported",
                          hint=f"export with opset_version between {MIN_OPSET} "
                               f"and {MAX_OPSET}")
    return version


def _load_external(proto, base):
    """Loads tensors stored outside the model file, with an error naming the
    tensor and the file when one is missing or short."""
    tensors = [t for t in external_data_helper._get_all_tensors(proto)
               if external_data_helper.uses_external_data(t)]
    if not tensors:
        return
    if base is None:
        raise ImportError(f"tensor '{tensors[0].name}' is stored in an external "
                          "file, and the model was given without its directory",
                          hint="pass the model's path instead of bytes or a "
                               "ModelProto, or load it with onnx.load first")
    for tensor in tensors:
        info = {e.key: e.value for e in tensor.external_data}
        location = info.get("location", "")
        path = os.path.normpath(os.path.join(base, location))
        if not location or os.path.isabs(location) or not path.startswith(base + os.sep):
            raise ImportError(f"tensor '{tensor.name}' names an external file "
                              f"outside the model's directory: '{location}'",
                              hint="keep external data next to the model")
        try:
            offset = int(info.get("offset", 0))
            length = int(info["length"]) if "length" in info else None
            with open(path, "rb") as f:
                f.seek(offset)
                data = f.read() if length is None else f.read(length)
        except (OSError, ValueError) as e:
            raise ImportError(f"the external data of tensor '{tensor.name}' "
                              f"('{location}') cannot be read: {e}",
                              hint="copy the data file next to the model") from None
        if length is not None and len(data) != length:
            raise ImportError(f"the external data of tensor '{tensor.name}' "
                              f"('{location}') is truncated: {len(data)} of "
                              f"{length} bytes",
                              hint="copy the complete data file next to the model")
        tensor.raw_data = data
        tensor.data_location = onnx.TensorProto.DEFAULT
        del tensor.external_data[:]
