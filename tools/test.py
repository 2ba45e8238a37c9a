"""Test a checkpoint with mmengine's Runner (mmdet's tools/test.py flags).

    python tools/test.py configs/ssdlite_mobilenext_voc.py CKPT
    python tools/test.py configs/ssdlite_mobilenext_voc.py model.onnx
        [--backend openvino [--precision f32|bf16]]
    python tools/test.py configs/ssdlite_mobilenext_voc.py model.xml|model.pte

An exported file (tools/deployment/) is run on the same dataset and metric
in its runtime (mnx_det.deploy.DeployedDetector): ``.onnx`` in ONNX
Runtime, or OpenVINO with ``--backend openvino``; ``.xml`` in OpenVINO;
``.pte`` in ExecuTorch.
"""
import argparse
import sys

from mmdet.engine.hooks.utils import trigger_visualization_hook
from mmdet.evaluation import DumpDetResults
from mmengine.config import DictAction
from mmengine.model import is_model_wrapper
from mmengine.runner import Runner
from mmengine.runner.checkpoint import load_state_dict

from mnx_det.apis import (add_launcher_args, add_partial_load_arg,
                          apply_process_fixes, check_datasets, dataset_classes,
                          load_config, parse_launcher_args,
                          use_gloo_without_cuda, without_pretrained)
from mnx_det.checkpoint import (check_checkpoint_classes,
                                check_checkpoint_fits, load_checkpoint_file,
                                model_state)
from mnx_det.deploy import is_model_file
from mnx_det.deploy.cli import add_runtime_args, session_options
from mnx_det.errors import UserError, user_message


def parse_args():
    parser = argparse.ArgumentParser(description='Test a detector')
    parser.add_argument('config', help='test config file path')
    parser.add_argument(
        'checkpoint',
        help='checkpoint file, or an exported .onnx, .xml or .pte file')
    parser.add_argument('--work-dir', help='the dir to save the metrics')
    parser.add_argument(
        '--out', type=str, help='dump predictions to a pickle file')
    parser.add_argument(
        '--show-dir', help='save images with boxes drawn to this folder')
    parser.add_argument('--show', action='store_true', help=argparse.SUPPRESS)
    parser.add_argument(
        '--wait-time', type=float, default=2, help=argparse.SUPPRESS)
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, key=value')
    add_partial_load_arg(parser)
    add_runtime_args(parser)
    add_launcher_args(parser)
    return parse_launcher_args(parser)


def use_exported_model(cfg, args):
    """Test the exported model instead of the config's network (which
    it must have been exported from: same classes and normalisation)."""
    preprocessor = cfg.model.get('data_preprocessor', {})
    cfg.model = dict(
        type='DeployedDetector',
        model_file=args.checkpoint,
        backend=args.backend,
        bgr_to_rgb=preprocessor.get('bgr_to_rgb', False),
        classes=dataset_classes(cfg),
        mean=preprocessor.get('mean'),
        std=preprocessor.get('std'),
        **session_options(args))
    cfg.load_from = None


def load_weights(model, checkpoint, args):
    """The loaded ``checkpoint``'s weights into ``model``: all of them
    (checked), or what fits with ``--allow-partial-load``."""
    model = model.module if is_model_wrapper(model) else model
    if not args.allow_partial_load:
        check_checkpoint_fits(model, checkpoint, args.checkpoint)
    load_state_dict(
        model, model_state(checkpoint), strict=not args.allow_partial_load)


def test(cfg, args):
    check_datasets(cfg, ('test', ))
    exported = bool(args.backend) or is_model_file(args.checkpoint)
    if exported:
        use_exported_model(cfg, args)
    else:
        # Testing loads the whole detector; no ImageNet weights are needed.
        cfg.model = without_pretrained(cfg.model)
    if args.show_dir:
        cfg = trigger_visualization_hook(cfg, args)
    if not exported:
        # read once: the checks and the weights come from the same file
        checkpoint = load_checkpoint_file(args.checkpoint, map_location='cpu')
        # another class order fits every shape: never bypassed
        check_checkpoint_classes(checkpoint, dataset_classes(cfg),
                                 args.checkpoint)
        cfg.load_from = None
    runner = Runner.from_cfg(cfg)
    if not exported:
        load_weights(runner.model, checkpoint, args)
    if args.out is not None:
        if not args.out.endswith(('.pkl', '.pickle')):
            sys.exit('error: --out must be a .pkl or .pickle file')
        runner.test_evaluator.metrics.append(
            DumpDetResults(out_file_path=args.out))
    runner.test()


def main():
    apply_process_fixes()
    args = parse_args()
    try:
        cfg = load_config(args.config, args.cfg_options, args.work_dir)
        cfg.launcher = args.launcher
        cfg.load_from = args.checkpoint
        use_gloo_without_cuda(cfg)
        test(cfg, args)
    except UserError as exc:
        sys.exit(f'error: {user_message(exc)}')


if __name__ == '__main__':
    main()
