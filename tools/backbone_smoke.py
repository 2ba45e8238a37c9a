"""Build MobileNeXt with the SSDLite taps and print its outputs and size."""
import torch

from mnx_det.models import MobileNeXt


def main():
    model = MobileNeXt(
        out_indices=(7, ),
        taps=('layer6.0.expansion', 'layer8.0.expansion')).eval()
    with torch.no_grad():
        outs = model(torch.rand(1, 3, 320, 320))
    params = sum(p.numel() for p in model.parameters())
    print(f'MobileNeXt-1.0: {params:,} parameters; outputs at 320x320:')
    for info, out in zip(model.feature_info, outs):
        print(f"  {info['name']:<20} {tuple(out.shape)}  "
              f"stride {info['reduction']}")


if __name__ == '__main__':
    main()
