"""Export an SSDLite detector to one ONNX file, post-processing included.

Written with PyTorch's TorchScript exporter rather than mmdeploy, whose
1.3 line cannot run on this stack (its protobuf, onnxruntime and
``torch.onnx`` pins; README, "Deployment").

The graph takes a float32 RGB batch ``images`` (N, 3, S, S) with values in
0..255, already resized to the input size S (as the test pipeline does,
ignoring aspect); it subtracts the config's pixel mean (and divides by its
std) itself. It returns, per image, the ``max_per_img`` best detections
after the config's score threshold and class-wise NMS (ONNX
``NonMaxSuppression``): ``boxes`` (N, K, 4) in input pixels, ``scores``
(N, K) and ``labels`` (N, K), padded with score 0 and label -1. Without
post-processing it returns the raw ``cls_logits`` (N, A, C), the box
``deltas`` (N, A, 4) and the ``priors`` (A, 4) in input pixels.
"""
import torch
from torch import nn

from ..errors import UserError
from ..fileio import atomic_path
from ..models.dense_heads import SSDLiteHead
from .contract import OUTPUTS, RAW_OUTPUTS, export_contract


class ExportNotSupportedError(UserError, ValueError):
    """The detector has no exportable layout here."""


class MultiClassNMS(torch.autograd.Function):
    """ONNX ``NonMaxSuppression`` over (N, A, 4) boxes and (N, C, A)
    scores; returns (M, 3) rows of (image, class, box). The forward
    computes the same selection, for tracing."""

    @staticmethod
    def forward(ctx, boxes, scores, max_per_class, iou_threshold,
                score_threshold):
        from torchvision.ops import nms  # imported by export_onnx
        rows = []
        for image in range(scores.size(0)):
            for label in range(scores.size(1)):
                kept = (scores[image, label] > score_threshold).nonzero()[:, 0]
                keep = nms(boxes[image, kept], scores[image, label, kept],
                           float(iou_threshold))
                kept = kept[keep[:int(max_per_class)]]
                rows.append(
                    torch.stack([
                        torch.full_like(kept, image),
                        torch.full_like(kept, label), kept
                    ], 1))
        return torch.cat(rows)

    @staticmethod
    def symbolic(g, boxes, scores, max_per_class, iou_threshold,
                 score_threshold):
        return g.op('NonMaxSuppression', boxes, scores, max_per_class,
                    iou_threshold, score_threshold)


class ExportableSSD(nn.Module):
    """An SSDLite detector as one function of a pixel batch.

    Args:
        detector (SingleStageDetector): With an :class:`SSDLiteHead`.
        input_size (int): Side of the square input.
        postprocess (bool): Decode and select detections in the graph.
    """

    def __init__(self, detector, input_size, postprocess=True):
        super().__init__()
        head = detector.bbox_head
        if not isinstance(head, SSDLiteHead):
            raise ExportNotSupportedError(
                'ONNX export supports the SSDLite detectors (SSDLiteHead, '
                f'SSDLiteFocalHead); this config has {type(head).__name__}')
        self.detector = detector.eval()
        self.input_size = input_size
        self.postprocess = postprocess
        preprocessor = detector.data_preprocessor
        self.register_buffer('mean', preprocessor.mean.view(1, 3, 1, 1))
        self.register_buffer('std', preprocessor.std.view(1, 3, 1, 1))
        # mmengine keeps the config's bgr_to_rgb (or rgb_to_bgr: the same
        # reversal) only as this flag
        self.bgr_to_rgb = bool(preprocessor._channel_conversion)
        with torch.no_grad():
            # the feature map sizes of this input size
            cls_scores, _ = head(
                detector.extract_feat(
                    torch.zeros(1, 3, input_size, input_size)))
        self.register_buffer(
            'priors',
            torch.cat(
                head.prior_generator.grid_priors(
                    [s.shape[-2:] for s in cls_scores], device='cpu')))
        test_cfg = head.test_cfg
        self.score_thr = float(test_cfg['score_thr'])
        self.iou_thr = float(test_cfg['nms']['iou_threshold'])
        self.max_per_img = int(test_cfg['max_per_img'])
        self.class_scores = head.class_score_function
        coder = head.bbox_coder
        self.bbox_coder = dict(
            type=type(coder).__name__,
            target_means=list(coder.means),
            target_stds=list(coder.stds),
            clip_border=coder.clip_border)

    def forward(self, images):
        """Detections of an (N, 3, S, S) float pixel batch (the channel
        order the config's preprocessor gives the model).

        Returns:
            tuple[Tensor]: With post-processing, ``boxes`` (N, K, 4) in
            input pixels, ``scores`` (N, K) and ``labels`` (N, K), K =
            ``max_per_img``, padded with score 0 and label -1; without it
            (:data:`.contract.RAW_OUTPUTS`), ``cls_logits`` (N, P,
            ``cls_out_channels``),
            ``deltas`` (N, P, 4) and ``priors`` (P, 4) of the P priors.
        """
        head = self.detector.bbox_head
        x = (images - self.mean) / self.std
        cls_scores, bbox_preds = head(self.detector.extract_feat(x))
        logits = head.flatten_priors(cls_scores, head.cls_out_channels)
        deltas = head.flatten_priors(bbox_preds, 4)
        if not self.postprocess:
            return logits, deltas, self.priors
        boxes = head.bbox_coder.decode(
            self.priors.unsqueeze(0).expand(images.size(0), -1, -1), deltas)
        return self._select(boxes, head.class_scores(logits))

    def _select(self, boxes, scores):
        """The max_per_img best (image, class, prior) triples that survive
        class-wise NMS, as fixed-size padded outputs."""
        n, num_priors, num_classes = scores.shape
        per_class = scores.transpose(1, 2)
        kept = MultiClassNMS.apply(boxes, per_class,
                                   torch.tensor([self.max_per_img]),
                                   torch.tensor([self.iou_thr]),
                                   torch.tensor([self.score_thr]))
        image, label, prior = kept[:, 0], kept[:, 1], kept[:, 2]
        # the kept pairs' scores in an otherwise empty (N, C * A) table
        table = scores.new_zeros(n, num_classes * num_priors)
        table = table.index_put((image, label * num_priors + prior),
                                per_class[image, label, prior])
        top_scores, top = table.topk(self.max_per_img, dim=1)
        labels = torch.where(top_scores > 0, top // num_priors,
                             torch.full_like(top, -1))
        top_boxes = boxes.gather(1, (top % num_priors).unsqueeze(-1).expand(
            -1, -1, 4))
        return top_boxes, top_scores, labels


def conv_call_order(module, images):
    """Module paths (from the detector) of the convs of ``module`` (an
    :class:`ExportableSSD`) in the order a forward pass calls them."""
    paths, handles = [], []
    for name, conv in module.detector.named_modules():
        if isinstance(conv, nn.Conv2d):
            handles.append(
                conv.register_forward_hook(
                    lambda *_, name=name: paths.append(name)))
    try:
        with torch.no_grad():
            module(images)
    finally:
        for handle in handles:
            handle.remove()
    return paths


def name_convs(model, paths):
    """Name the Conv nodes of an exported ONNX ``model`` after their
    modules, ``/backbone/layer8/dw_in/conv/Conv``: the exporter's scope
    names drop levels (a stage of one block loses its own), and the INT8
    parts (:mod:`.parts`) are read from these names. ``paths``: the convs
    in call order, which is the graph's order; their weights' shapes are
    checked one by one."""
    convs = [node for node in model.graph.node if node.op_type == 'Conv']
    shapes = {i.name: list(i.dims) for i in model.graph.initializer}
    if len(convs) != len(paths):
        raise ExportNotSupportedError(
            f'the ONNX graph has {len(convs)} convs, the detector calls '
            f'{len(paths)}')
    for node, (path, shape) in zip(convs, paths):
        if shapes.get(node.input[1], shape) != shape:
            raise ExportNotSupportedError(
                f'ONNX conv {node.name} has weights of '
                f'{shapes[node.input[1]]}, not those of {path} {shape}')
        node.name = '/' + path.replace('.', '/') + '/Conv'


def export_onnx(detector,
                out_file,
                input_size,
                batch_size=1,
                dynamic_batch=False,
                postprocess=True,
                classes=None):
    """Write ``detector`` as ONNX to ``out_file``; see the module doc.

    The file records its contract (:mod:`.contract`): ``classes`` (by
    default the detector's ``dataset_meta``, which
    :func:`mnx_det.apis.build_detector` takes from the checkpoint), input
    size, normalisation and post-processing settings.
    """
    # Imported here, not with the package (a second), and before tracing:
    # importing it calls ops that the tracer cannot record.
    import torchvision  # noqa: F401
    module = ExportableSSD(detector, input_size, postprocess).eval()
    images = torch.rand(batch_size, 3, input_size, input_size) * 255
    outputs = OUTPUTS if postprocess else RAW_OUTPUTS
    convs = dict(module.detector.named_modules())
    paths = [(path, list(convs[path].weight.shape))
             for path in conv_call_order(module, images)]
    dynamic_axes = None
    if dynamic_batch:
        dynamic_axes = {'images': {0: 'batch'}}
        dynamic_axes.update(
            {name: {
                0: 'batch'
            }
             for name in outputs if name != 'priors'})
    if classes is None:
        classes = getattr(detector, 'dataset_meta', {}).get('classes')
    import onnx  # the deploy extra's, loaded only to write a file

    # the graph, then its contract: the file appears with both or not at all
    with atomic_path(out_file) as partial:
        with torch.no_grad():
            torch.onnx.export(
                module, (images, ),
                partial,
                input_names=['images'],
                output_names=list(outputs),
                dynamic_axes=dynamic_axes,
                opset_version=17,
                dynamo=False)
        model = onnx.load(partial)
        name_convs(model, paths)
        onnx.helper.set_model_props(model, export_contract(module, classes))
        onnx.save(model, partial)
    return out_file
