"""How a fix is applied to an upstream package: once, named, version-checked.
"""
import functools
import importlib.metadata
import warnings


def check_upstream(package, version, what):
    """Warn when ``package`` is not the release a fix was written for, so
    that an upgrade that fixes the bug upstream does not stay patched
    unnoticed."""
    installed = importlib.metadata.version(package)
    if installed != version:
        warnings.warn(
            f'mnx_det.compat fixes {what} of {package} {version}, but '
            f'{package} {installed} is installed: check whether the fix is '
            'still needed (mnx_det/compat/)', RuntimeWarning)


def patch(owner, name, package, version, make_wrapper):
    """Replace ``owner.name`` by ``make_wrapper(original)``, once.

    Args:
        owner (type | module): What holds the patched attribute.
        name (str): The attribute.
        package (str): The distribution the code belongs to.
        version (str): Its release the fix was written for
            (:func:`check_upstream` warns for another).
        make_wrapper (callable): original -> replacement.

    The replacement gets the original's name and docstring; patching again
    leaves the first patch in place.
    """
    check_upstream(package, version, f'{owner.__name__}.{name}')
    original = getattr(owner, name)
    if getattr(original, '_mnx_det_patch', False):
        return original
    wrapper = functools.wraps(original)(make_wrapper(original))
    wrapper._mnx_det_patch = True
    setattr(owner, name, wrapper)
    return wrapper
