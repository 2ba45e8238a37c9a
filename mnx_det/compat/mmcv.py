"""Fixes for mmcv 2.1.0.

``LoadImageFromFile`` names the file only when the decoder returns nothing;
a zero-byte file fails inside OpenCV (``cv2.error: ... error: (-215:Assertion
failed) !buf.empty() in function 'imdecode_'``) without a path. Every failure
to read or decode now raises :class:`mnx_det.errors.ImageLoadError` naming
the file, an :class:`~mnx_det.errors.ImageNotFoundError` (so still a
``FileNotFoundError``) for a file that does not exist. Tests:
``tests/test_bad_datasets.py::test_undecodable_image_is_named``,
``tests/test_compat.py::test_missing_image_stays_a_file_not_found_error``.
"""
from mmcv.transforms import LoadImageFromFile

from ..errors import ImageLoadError, image_load_error
from .patching import patch

VERSION = '2.1.0'


def _transform_naming_image(transform):

    def transform_naming_image(self, results):
        try:
            return transform(self, results)
        except ImageLoadError:
            raise
        except AssertionError:  # the decoder returned nothing
            raise ImageLoadError(
                f"failed to load image: {results['img_path']}"
                ' (empty, truncated or not an image)') from None
        except Exception as exc:  # whatever the reader or decoder raised
            raise image_load_error(results['img_path'], exc) from exc

    return transform_naming_image


def apply():
    """Apply the fix above (idempotent)."""
    patch(LoadImageFromFile, 'transform', 'mmcv', VERSION,
          _transform_naming_image)
