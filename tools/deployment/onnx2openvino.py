"""Convert an exported ONNX file to OpenVINO IR (mnx_det.deploy.openvino_ir).

    python tools/deployment/onnx2openvino.py model.onnx --out model.xml

Works for the fp32 export and its INT8 (QDQ) version alike; writes
model.xml and model.bin, with the export's contract kept. OpenVINO also
runs the .onnx file itself (tools/test.py CONFIG model.onnx --backend
openvino).
"""
import argparse
import os.path as osp
import sys

from mnx_det.apis import exit_on_termination, output_file
from mnx_det.deploy.openvino_ir import convert_to_ir, ir_weights
from mnx_det.errors import UserError


def main():
    exit_on_termination()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('onnx_file')
    parser.add_argument(
        '--out', required=True, type=output_file, help='the .xml file')
    args = parser.parse_args()
    if not args.out.endswith('.xml'):
        sys.exit(f'error: --out must be an .xml file, got {args.out}')
    try:
        convert_to_ir(args.onnx_file, args.out)
    except UserError as exc:
        sys.exit(f'error: {exc}')
    weights = ir_weights(args.out)
    print(f'wrote {args.out} and {weights} '
          f'({osp.getsize(weights) / 2**20:.1f} MiB)')


if __name__ == '__main__':
    main()
