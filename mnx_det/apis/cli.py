"""Command-line arguments the tools share, with mmdet's names, and the
argparse types that turn a bad value into a usage error (exit 2, one
line) instead of a traceback later."""
import argparse
import os
import os.path as osp
import signal
import sys

from ..checkpoint.convert import convert_file
from ..errors import UserError


def add_launcher_args(parser):
    """``--launcher`` as in mmdet's tools, and the ``--local-rank`` that
    ``torch.distributed.launch`` passes (torchrun sets ``LOCAL_RANK``)."""
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument(
        '--local_rank', '--local-rank', type=int, help=argparse.SUPPRESS)


def add_partial_load_arg(parser):
    """``--allow-partial-load``: the explicit way past the strict check of
    :func:`mnx_det.checkpoint.check_checkpoint_fits`."""
    parser.add_argument(
        '--allow-partial-load',
        action='store_true',
        help='load a checkpoint that fills only part of the model (without '
        'it such a checkpoint stops the tool and lists the keys: numbers '
        'from a half-loaded model mean nothing)')


def add_converter_args(parser, src_help, widen_factor=True):
    """SRC, DST and (for a network with widths) ``--widen-factor``: what the
    backbone converters in ``tools/model_converters`` take."""
    parser.add_argument('src', help=src_help)
    parser.add_argument(
        'dst', type=output_file, help='where to write the converted weights')
    if widen_factor:
        parser.add_argument(
            '--widen-factor',
            type=positive_float,
            default=1.0,
            help='width multiplier the checkpoint was trained with')


def run_converter(args, convert, backbone, **meta):
    """``args.src`` converted by ``convert`` into ``args.dst``, ``meta``
    recorded (:func:`mnx_det.checkpoint.convert.convert_file`); a bad input
    exits with one ``error:`` line, success prints one line naming
    ``backbone``."""
    try:
        count = convert_file(args.src, args.dst, convert, **meta)
    except UserError as exc:
        sys.exit(f'error: {exc}')
    print(f'wrote {count} tensors for {backbone} to {args.dst}')


def parse_launcher_args(parser):
    """Parse; a ``--local-rank`` becomes ``LOCAL_RANK`` for mmengine."""
    args = parser.parse_args()
    if args.local_rank is not None:
        os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def _at_least(minimum):

    def integer(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f'expected an integer, got {text!r}') from None
        if value < minimum:
            raise argparse.ArgumentTypeError(
                f'must be at least {minimum}, got {value}')
        return value

    return integer


# argparse types: an integer of at least 1, of at least 0
positive_int = _at_least(1)
non_negative_int = _at_least(0)


def _number(text):
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f'expected a number, got {text!r}') from None


def positive_float(text):
    """An argparse type: a finite number above 0."""
    value = _number(text)
    if not 0 < value < float('inf'):
        raise argparse.ArgumentTypeError(
            f'must be a finite number above 0, got {text}')
    return value


def probability(text):
    """An argparse type: a number from 0 to 1 (a score threshold)."""
    value = _number(text)
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(
            f'must be between 0 and 1, got {text}')
    return value


def output_file(text):
    """An argparse type: a file to write, whose folder exists or can be
    made (not an existing folder, nothing below a file)."""
    if osp.isdir(text):
        raise argparse.ArgumentTypeError(
            f'{text} is a folder: give the file to write')
    parent = osp.dirname(osp.abspath(text))
    while not osp.exists(parent):
        parent = osp.dirname(parent)
    if not osp.isdir(parent):
        raise argparse.ArgumentTypeError(
            f'cannot write {text}: {parent} is a file, not a folder')
    return text


def exit_on_termination():
    """Turn SIGTERM and SIGHUP into ``SystemExit(128 + N)``: a tool stopped
    by its scheduler or terminal then unwinds, and the files it was
    writing (:mod:`mnx_det.fileio`) are removed instead of left behind."""

    def stop(signum, frame):
        sys.exit(128 + signum)

    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, stop)
