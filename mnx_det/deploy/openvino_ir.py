"""Convert an exported ONNX file (fp32 or QDQ INT8) to OpenVINO's IR
(``.xml`` + ``.bin``), its contract kept in the IR's ``rt_info``.

OpenVINO runs the ONNX file as well; the IR saves the conversion each
load, and is what OpenVINO's own tools (``benchmark_app``, model servers)
take. Weights stay float32 (``compress_to_fp16=False``): the precision is
chosen when the model is compiled, not baked into the file.
"""
import json
import os
import os.path as osp

from ..fileio import atomic_path
from .contract import RT_INFO_SECTION
from .runtimes import OpenVINOSession


def ir_weights(xml_file):
    """The ``.bin`` beside an IR's ``.xml``."""
    return osp.splitext(xml_file)[0] + '.bin'


def model_size(path):
    """Bytes of a model file, with its weights for an IR."""
    size = osp.getsize(path)
    if path.lower().endswith('.xml'):
        size += osp.getsize(ir_weights(path))
    return size


def read_export(onnx_file):
    """(``ov.Model``, contract) of ``onnx_file``; raises unless it is an
    export of this project."""
    import openvino as ov

    contract = OpenVINOSession(onnx_file).contract
    return ov.convert_model(onnx_file), contract


def convert_to_ir(onnx_file, xml_file):
    """Write the IR of ``onnx_file`` (an export of this project, checked)
    to ``xml_file`` and the ``.bin`` beside it."""
    return save_ir(*read_export(onnx_file), xml_file)


def save_ir(model, contract, xml_file):
    """Write the ``ov.Model`` ``model`` to ``xml_file`` and its ``.bin``,
    ``contract`` in its ``rt_info``."""
    import openvino as ov

    for key, value in contract.items():
        model.set_rt_info(json.dumps(value), [RT_INFO_SECTION, key])
    bin_file = ir_weights(xml_file)
    # the .bin first, then the .xml that names it: both whole, or neither
    with atomic_path(xml_file) as xml_partial, \
            atomic_path(bin_file) as bin_partial:
        saved_bin = ir_weights(xml_partial)
        try:
            ov.save_model(model, xml_partial, compress_to_fp16=False)
            os.replace(saved_bin, bin_partial)
        finally:
            if osp.exists(saved_bin):
                os.remove(saved_bin)
    return xml_file
