"""A converter run on files: what every ``tools/model_converters`` script
does around its key mapping."""
from ..io import load_checkpoint_file, save_checkpoint_file


def convert_file(src, dst, convert, **meta):
    """Convert the checkpoint file ``src`` into ``dst``.

    Args:
        src (str): The other project's checkpoint.
        dst (str): Where the converted weights go, written whole or not at
            all, with ``meta=dict(source=src, **meta)``.
        convert (Callable[[dict], dict]): What was loaded from ``src`` ->
            the converted state dict.
        **meta: What the weights were made with (``widen_factor``, ...).

    Returns:
        int: The number of tensors written.

    Raises:
        UserError: ``src`` is missing or unreadable, or does not fit the
            backbone; ``dst`` cannot be written.
    """
    state_dict = convert(load_checkpoint_file(src, map_location='cpu'))
    save_checkpoint_file(
        dict(state_dict=state_dict, meta=dict(source=src, **meta)), dst)
    return len(state_dict)
