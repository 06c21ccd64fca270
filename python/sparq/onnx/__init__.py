"""Imports ONNX models into sparq: TOSA (and linalg where TOSA has no op),
lowered by upstream's TOSA-to-linalg passes, ready for sparq's passes and
the CPU pipeline.

    module = sparq.onnx.import_model("resnet18.onnx")
    module.run("builtin.module(sparq-quantize)")

Shapes are static: a dynamic first dimension takes `batch`. Shape
subgraphs and constant subexpressions are evaluated in numpy at import;
weights are dense_resource blobs; every op is located at its ONNX node
(loc("node name")), which is the name sparq's passes report. Problems with
the model raise sparq.onnx.ImportError (a ValueError) naming the node."""
from .errors import ImportError
from .importer import LOWERING, SUPPORTED, import_model, import_text

__all__ = ["ImportError", "import_model", "import_text", "LOWERING", "SUPPORTED"]
