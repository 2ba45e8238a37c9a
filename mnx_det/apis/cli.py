"""Command-line arguments the tools share, with mmdet's names."""
import argparse
import os


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


def parse_launcher_args(parser):
    """Parse; a ``--local-rank`` becomes ``LOCAL_RANK`` for mmengine."""
    args = parser.parse_args()
    if args.local_rank is not None:
        os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args
