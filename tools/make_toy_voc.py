"""Write the bundled toy VOC set (see mnx_det.datasets.toy_voc).

    python tools/make_toy_voc.py data/toy_voc
"""
import argparse

from mnx_det.apis import non_negative_int, positive_int
from mnx_det.datasets import make_toy_voc


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        'out',
        nargs='?',
        default='data/toy_voc',
        help='folder to write VOCdevkit/ into (default: data/toy_voc)')
    parser.add_argument('--trainval', type=positive_int, default=160)
    parser.add_argument('--test', type=positive_int, default=40)
    parser.add_argument('--image-size', type=positive_int, default=160)
    parser.add_argument('--seed', type=non_negative_int, default=0)
    args = parser.parse_args()
    root = make_toy_voc(
        args.out,
        num_trainval=args.trainval,
        num_test=args.test,
        image_size=args.image_size,
        seed=args.seed)
    print(f'wrote {args.trainval} trainval and {args.test} test images '
          f'to {root}')


if __name__ == '__main__':
    main()
