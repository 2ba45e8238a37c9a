"""Which parts of a detector INT8 keeps fp32, chosen by measurement.

Each part (:mod:`.parts`) is quantized alone and left fp32 alone, and the
detector's mAP is measured each time on selection images (training images
through the test pipeline, scored with the config's metric): the drop
from fp32 when only that part stays fp32, and when only it is int8. Then,
from all-int8, parts are kept fp32 one at a time, the most harmful first,
each set measured, until the drop is within the budget, and with VOC's
metric the drop's bootstrap bound too (:mod:`.drop_bound`: a drop measured
on a few dozen images did not hold on the test split): a greedy answer to
"the smallest set of fp32 parts within the budget" (the exact one would
measure every subset). A part's harm is what its fp32 alone
recovers plus what its int8 alone costs: either column alone misleads
when two parts each ruin the detector (a toy MobileNeXt in ONNX Runtime:
its first two stages each cost 0.23-0.25 mAP in int8, so keeping any one
part fp32 recovered nothing). Then each chosen part of several convs is
narrowed to the convs that matter (on request): one conv at a time goes
int8 again where the set stays within the budget (OpenVINO's collapse on a toy
MobileNetV2 came from one depthwise conv of its first stage). The chosen
set is checked once more on the held-out test split by the caller.

Candidates are written per runtime (:data:`TARGETS`), each by its own
quantizer: ONNX Runtime scores QDQ files of
:func:`.quantize.quantize_detector`, OpenVINO IRs of NNCF
(:func:`.openvino_quantize.quantize_openvino`), ExecuTorch XNNPACK
programs, lowered for each candidate (about a minute each on 2 cores).
PyTorch's own run of the quantized program before lowering would be
faster, but its scores differed from XNNPACK's by up to 0.1 on the toy
detector, too far to choose by.
"""
import copy
import multiprocessing
import os.path as osp
from typing import Callable, NamedTuple

from mmengine.logging import print_log
from mmengine.runner import Runner

from ..apis import NO_WORKERS
from ..datasets import leaf_datasets
from .calibration import calibration_images
from .drop_bound import CONFIDENCE, DropBound
from .executorch_export import export_executorch
from .export import export_onnx
from .openvino_quantize import quantize_openvino
from .parts import conv_units, detector_parts
from .quantize import quantize_detector


class Target(NamedTuple):
    """How one runtime's INT8 candidates are written and run."""
    suffix: str  # of the candidate files
    backend: str  # the runtime that scores them
    # (detector, cfg, folder, size, num_images) -> write, which writes
    # write(fp32_parts, out_file): the INT8 file (fp32 for None)
    writer: Callable


def onnx_writer(quantize):
    """A :class:`Target` writer whose INT8 files ``quantize`` makes from
    one fp32 ONNX export (:func:`.quantize.quantize_detector`'s
    signature)."""

    def writer(detector, cfg, folder, size, num_images):
        fp32 = export_onnx(
            detector, osp.join(folder, 'fp32.onnx'), size, dynamic_batch=True)

        def write(fp32_parts, out_file):
            if fp32_parts is None:
                return fp32
            return quantize(fp32, out_file, cfg, num_images, fp32_parts)

        return write

    return writer


def pte_writer(detector, cfg, folder, size, num_images):
    """A :class:`Target` writer of ExecuTorch programs of batch 1, the
    batch the tool writes: the file chosen is the file measured."""
    fp32 = export_executorch(detector, osp.join(folder, 'fp32.pte'), size)
    # loaded once for every candidate
    images = list(calibration_images(cfg, num_images, size))

    def write(fp32_parts, out_file):
        if fp32_parts is None:
            return fp32
        return export_executorch(
            detector,
            out_file,
            size,
            calibration=images,
            fp32_parts=fp32_parts)

    return write


TARGETS = {
    'onnxruntime': Target('.onnx', 'onnxruntime',
                          onnx_writer(quantize_detector)),
    'openvino': Target('.xml', 'openvino', onnx_writer(quantize_openvino)),
    'executorch': Target('.pte', 'executorch', pte_writer),
}


def selection_config(cfg, num_images):
    """``cfg`` whose test split is the first ``num_images`` images of its
    training set (the first leaf dataset), through the test pipeline."""
    cfg = copy.deepcopy(cfg)
    train = next(leaf_datasets(copy.deepcopy(cfg.train_dataloader.dataset)))
    test = cfg.test_dataloader.dataset
    for key in ('type', 'data_root', 'ann_file', 'data_prefix'):
        if key in train:
            test[key] = train[key]
    test.update(test_mode=True, indices=num_images)
    test.pop('filter_cfg', None)
    return cfg


class Scores(NamedTuple):
    """One file's mAP on a config's test split, and what a
    :class:`.drop_bound.DropBound` needs (``None`` for metrics it does not
    support)."""
    map: float
    metric: object  # the VOC metric that scored the images
    results: list  # its per-image results


def evaluate(cfg, model_file, backend, **options):
    """:class:`Scores` of an exported file on ``cfg``'s test split, in
    ``backend`` with its ``options``."""
    cfg = copy.deepcopy(cfg)
    cfg.model = dict(
        type='DeployedDetector',
        model_file=model_file,
        backend=backend,
        **options)
    # Processes forked from this one, which runs the runtimes' thread
    # pools, hung (VOC mAP's pool of mmdet's eval_map, after a few
    # candidates): the metric's workers come from a forkserver instead,
    # and images load in this process (they are few).
    cfg.merge_from_dict(NO_WORKERS)
    cfg.env_cfg.mp_cfg.mp_start_method = 'forkserver'
    multiprocessing.set_forkserver_preload(['__main__', 'mmdet.evaluation'])
    runner = Runner.from_cfg(cfg)
    # the first metric is the one whose mAP is read
    metric = runner.test_loop.evaluator.metrics[0]
    results = []
    if DropBound.supports(metric):
        compute = metric.compute_metrics

        def recorded(gathered):  # the metric clears them once scored
            results.extend(gathered)
            return compute(gathered)

        metric.compute_metrics = recorded
    else:
        metric, results = None, None
    metrics = runner.test()
    mean_ap = next(v for k, v in metrics.items() if k.endswith('mAP'))
    return Scores(mean_ap, metric, results)


def score(cfg, model_file, backend, **options):
    """VOC/COCO mAP of an exported file (as :func:`evaluate`)."""
    return evaluate(cfg, model_file, backend, **options).map


class Row(NamedTuple):
    part: str
    fp32_only: float  # mAP drop with only this part fp32
    int8_only: float  # mAP drop with only this part int8


class Choice(NamedTuple):
    rows: list  # one Row per part, in network order
    # (fp32 parts, drop, its bound or None) of each set measured, all-int8
    # first
    steps: list
    fp32_parts: list  # the chosen set
    drop: float  # its drop on the selection images
    bound: float  # and the drop's bound (None without one)


def choose_fp32_parts(drop_of, parts, max_drop, units=None, bound_of=None):
    """The sensitivity table and the chosen set (see the module doc).

    Args:
        drop_of (Callable): fp32 parts -> mAP drop from fp32.
        parts (list[str]): The detector's parts, in network order.
        max_drop (float): The budget.
        units (dict, optional): {part: its convs' names}
            (:func:`.parts.conv_units`): a chosen part of several convs is
            then narrowed conv by conv.
        bound_of (Callable, optional): fp32 parts -> the drop's bound
            (:class:`.drop_bound.DropBound`); a set is within the budget
            when its drop and its bound are.
    """
    rows = []
    for part in parts:
        others = [p for p in parts if p != part]
        rows.append(Row(part, drop_of([part]), drop_of(others)))
        print_log(
            f'{part}: drop {rows[-1].fp32_only:+.4f} when only it is '
            f'fp32, {rows[-1].int8_only:+.4f} when only it is int8',
            logger='current')

    def step(fp32_parts):
        drop = drop_of(fp32_parts)
        bound = bound_of(fp32_parts) if bound_of else None
        steps.append((tuple(fp32_parts), drop, bound))
        return drop <= max_drop and (bound is None or bound <= max_drop)

    chosen, steps = [], []
    within = step(chosen)
    for row in sorted(rows, key=lambda r: r.fp32_only - r.int8_only):
        if within:
            break
        chosen.append(row.part)
        within = step(chosen)
    _, drop, bound = steps[-1]
    if units and within:
        chosen = _narrow(step, chosen, units)
        _, drop, bound = next(
            s for s in reversed(steps) if set(s[0]) == set(chosen))
    order = {part: (i, -1) for i, part in enumerate(parts)}
    for i, part in enumerate(parts):
        for j, unit in enumerate((units or {}).get(part, ())):
            order[unit] = (i, j)
    return Choice(rows, steps, sorted(chosen, key=order.get), drop, bound)


def _narrow(step, chosen, units):
    """Each chosen part of several convs replaced by those of its convs
    that must stay fp32: one at a time, in network order, a conv goes int8
    if the set stays within the budget (``step`` measures a set and says
    so). The narrowed set."""
    for part in list(chosen):
        convs = units.get(part, [])
        if len(convs) < 2:
            continue
        kept = list(convs)
        for conv in convs:
            trial = [p for p in chosen if p != part]
            trial += [c for c in kept if c != conv]
            if step(trial):
                kept.remove(conv)
        if len(kept) < len(convs):
            chosen = [p for p in chosen if p != part] + kept
    return chosen


def measure(detector,
            cfg,
            target,
            work_dir,
            max_drop,
            num_images,
            num_select,
            narrow=False):
    """Score every candidate of ``target`` (a :data:`TARGETS` key) on the
    first ``num_select`` training images; the fp32 mAP there and the
    :class:`Choice` (``narrow``: chosen parts narrowed conv by conv).
    Candidate files go to ``work_dir``."""
    spec = TARGETS[target]
    size = cfg.get('input_size', 320)
    write = spec.writer(detector, cfg, work_dir, size, num_images)
    select_cfg = selection_config(cfg, num_select)
    fp32 = evaluate(select_cfg, write(None, None), spec.backend)
    scores = {}  # a set is measured once

    def scores_of(fp32_parts):
        key = frozenset(fp32_parts)
        if key not in scores:
            path = osp.join(work_dir, f'candidate_{len(scores)}{spec.suffix}')
            scores[key] = evaluate(select_cfg, write(fp32_parts, path),
                                   spec.backend)
        return scores[key]

    def drop_of(fp32_parts):
        return fp32.map - scores_of(fp32_parts).map

    # narrowing to convs is off: on 40 selection images its conv-level
    # choice missed the budget on the toy test split (closing note)
    units = conv_units(detector) if narrow else None
    choice = choose_fp32_parts(drop_of, detector_parts(detector), max_drop,
                               units, _bound_of(fp32, scores_of))
    return fp32.map, choice, write


def _bound_of(fp32, scores_of):
    """fp32 parts -> the drop's bootstrap bound (:mod:`.drop_bound`);
    ``None`` unless a VOC metric scored the images."""
    if fp32.metric is None:
        return None
    bound = DropBound(fp32.metric, fp32.results)
    return lambda fp32_parts: bound(scores_of(fp32_parts).results)


def write_choice(cfg, target, write, fp32_parts, out_file):
    """Write the chosen INT8 file as the candidates were written; its
    held-out (test split) mAP beside the fp32 file's, (fp32, INT8)."""
    backend = TARGETS[target].backend
    write(fp32_parts, out_file)
    return (score(cfg, write(None, None),
                  backend), score(cfg, out_file, backend))


def report(choice, fp32_map, target, max_drop, held_out=None):
    """The measurement as markdown lines; ``held_out``: (fp32 mAP, chosen
    INT8 mAP) on the test split."""
    lines = [
        f'# INT8 sensitivity by part, {target}', '',
        f'Selection images: fp32 mAP {fp32_map:.4f}; budget {max_drop}.', '',
        '| part | drop, only it fp32 | drop, only it int8 |', '|---|---|---|'
    ]
    lines += [
        f'| {r.part} | {r.fp32_only:+.4f} | {r.int8_only:+.4f} |'
        for r in choice.rows
    ]
    bound = f'drop, {CONFIDENCE:.0%} bootstrap bound'
    lines += ['', f'| fp32 parts | drop | {bound} |', '|---|---|---|']
    lines += [
        f'| {", ".join(parts) or "none (all int8)"} | {drop:+.4f} | '
        f'{_signed(upper)} |' for parts, drop, upper in choice.steps
    ]
    lines += [
        '', f'Chosen fp32 parts: {", ".join(choice.fp32_parts) or "none"} '
        f'(on the selection images: drop {choice.drop:+.4f}, its '
        f'{CONFIDENCE:.0%} bootstrap bound {_signed(choice.bound)}).'
    ]
    if held_out is not None:
        fp32, int8 = held_out
        lines.append(f'Held-out test split: fp32 {fp32:.4f}, INT8 {int8:.4f}, '
                     f'drop {fp32 - int8:+.4f}.')
    return lines


def _signed(bound):
    # COCO's metric has no per-image split to resample (see .drop_bound)
    return 'none (not a VOC metric)' if bound is None else f'{bound:+.4f}'
