"""Command-line arguments of the tools that run exported files
(``tools/test.py``, ``tools/infer.py``)."""
from ..apis import output_file, positive_int
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
