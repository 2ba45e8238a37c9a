"""Print the software stack and device: ``python -m mnx_det.env``."""
import platform
from importlib import metadata

PACKAGES = ('torch', 'torchvision', 'mmcv', 'mmengine', 'mmdet', 'pycocotools',
            'numpy', 'opencv-python-headless', 'onnxruntime', 'openvino',
            'executorch', 'mnx_det')


def _version(package):
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return 'not installed'


def _mmcv_ops():
    """Whether mmcv's compiled ops load and run (NMS on two boxes)."""
    try:
        import torch
        from mmcv.ops import nms
        boxes = torch.tensor([[0., 0., 10., 10.], [1., 1., 10., 10.]])
        _, keep = nms(boxes, torch.tensor([0.9, 0.8]), iou_threshold=0.5)
        return f'compiled (NMS kept {keep.tolist()})'
    except Exception as exc:  # report, do not crash the report
        return f'NOT available: {type(exc).__name__}: {exc}'


def _device():
    import torch
    if torch.cuda.is_available():
        return f'cuda: {torch.cuda.get_device_name(0)}'
    threads = torch.get_num_threads()
    return f'cpu: {platform.processor() or platform.machine()}, ' \
           f'{threads} threads'


def _kernels():
    """Which CPU kernels run: portable (capped, the same numbers on every
    x86-64 CPU with AVX2) or the CPU's native ones."""
    import torch

    from .apis import portable_kernels_active
    mode = 'portable' if portable_kernels_active() else 'native'
    return f'{mode} (ATen {torch.backends.cpu.get_cpu_capability()}, ' \
           f'{torch.get_num_threads()} threads)'


def collect_env():
    """Return the environment as an ordered dict of name -> description."""
    info = {'python': platform.python_version()}
    info.update((name, _version(name)) for name in PACKAGES)
    info['mmcv ops'] = _mmcv_ops()
    info['device'] = _device()
    info['cpu kernels'] = _kernels()
    return info


def main():
    info = collect_env()
    width = max(map(len, info))
    for name, value in info.items():
        print(f'{name:<{width}}  {value}')


if __name__ == '__main__':
    main()
