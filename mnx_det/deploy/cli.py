"""Command-line arguments of the tools that run exported files
(``tools/test.py``, ``tools/infer.py``)."""
import json

from mmengine.config import DictAction

from ..apis import output_file, positive_int
from ..errors import UserError
from .parts import DEFAULT_FP32_PARTS
from .runtimes import SESSIONS
from .runtimes.openvino_session import HINTS, PRECISIONS


def add_runtime_args(parser):
    """``--backend``, ``--threads`` and OpenVINO's ``--precision`` and
    ``--performance-hint``."""
    group = parser.add_argument_group('exported models (.onnx, .xml, .pte)')
    group.add_argument(
        '--backend',
        choices=list(SESSIONS),
        help='runtime of the exported file (default: ONNX Runtime for '
        '.onnx, OpenVINO for .xml, ExecuTorch for .pte)')
    group.add_argument(
        '--threads',
        type=positive_int,
        help="the runtime's threads (default: its own)")
    group.add_argument(
        '--precision',
        choices=PRECISIONS,
        help="OpenVINO's float precision (default: OpenVINO's choice for "
        'the CPU, bf16 where the CPU has it)')
    group.add_argument(
        '--performance-hint',
        choices=HINTS,
        help="OpenVINO's PERFORMANCE_HINT (default: LATENCY)")


def session_options(args):
    """The runtime settings given on the command line, as keyword
    arguments of :func:`.runtimes.open_session`."""
    options = dict(
        num_threads=args.threads,
        precision=args.precision,
        performance_hint=args.performance_hint)
    return {key: value for key, value in options.items() if value is not None}


def add_export_args(parser, suffix):
    """CONFIG, CHECKPOINT, ``--out`` (a ``suffix`` file) and
    ``--input-size``: what every export tool takes. Returns the parser."""
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument(
        '--out', required=True, type=output_file, help=f'the {suffix} file')
    parser.add_argument(
        '--input-size',
        type=positive_int,
        help="side of the square input (default: the config's input_size)")
    return parser


def add_int8_args(parser):
    """``--int8``, ``--calib-config``, ``--num-images``, ``--fp32-parts``
    and ``--cfg-options`` (of the calibration config)."""
    group = parser.add_argument_group('INT8')
    group.add_argument(
        '--int8', action='store_true', help='quantize to INT8 (static)')
    group.add_argument(
        '--calib-config',
        help='config whose training images calibrate the activations '
        '(default: CONFIG)')
    add_fp32_parts_arg(group)
    return add_calibration_args(group)


def add_calibration_args(parser):
    """``--num-images`` (calibration images) and ``--cfg-options`` (of the
    config that gives them)."""
    parser.add_argument(
        '--num-images',
        type=positive_int,
        default=100,
        help='calibration images, spread over the training set')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings of the config, key=value')
    return parser


def add_fp32_parts_arg(parser):
    """``--fp32-parts``: see :func:`fp32_parts`."""
    parser.add_argument(
        '--fp32-parts',
        nargs='*',
        help='parts kept fp32 (mnx_det.deploy.parts: backbone.conv1, '
        'backbone.layerN, neck, bbox_head.towers, bbox_head.predictors, or '
        'any module that holds convs, as backbone.layer1.0.dw_in), or the '
        '.json of '
        'tools/deployment/quantization_sensitivity.py (default: '
        f'{" ".join(DEFAULT_FP32_PARTS)})')


def fp32_parts(given):
    """The parts ``--fp32-parts`` names: the default when not given, the
    ``fp32_parts`` of a sensitivity ``.json``, or the names."""
    if given is None:
        return DEFAULT_FP32_PARTS
    if len(given) == 1 and given[0].endswith('.json'):
        try:
            with open(given[0]) as f:
                return json.load(f)['fp32_parts']
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise UserError(
                f'{given[0]} is not a choice of quantization_sensitivity.py '
                f'(a JSON object with fp32_parts): {exc}') from None
    return given
