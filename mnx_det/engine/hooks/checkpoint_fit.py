"""Refuse ``load_from`` weights that do not fill the model, checked on the
dict the Runner itself loaded."""
from mmdet.registry import HOOKS
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from ...checkpoint import check_checkpoint_fits


@HOOKS.register_module()
class CheckpointFitHook(Hook):
    """Stops a run whose ``load_from`` checkpoint does not hold exactly the
    model's weights, before any of them is copied.

    mmengine loads ``load_from`` non-strictly and only logs what did not
    fit, so a typo'd or foreign checkpoint trains from a half-loaded model.
    The check runs on the dict mmengine's ``Runner.load_checkpoint`` passes
    to ``after_load_checkpoint``: the file is read once, and a file
    replaced while the run starts cannot pass the check and then load.

    Args:
        filename (str): The checkpoint, for the message.
    """

    priority = 'VERY_HIGH'

    def __init__(self, filename):
        self.filename = filename

    def after_load_checkpoint(self, runner, checkpoint):
        model = runner.model
        if is_model_wrapper(model):
            model = model.module
        check_checkpoint_fits(model, checkpoint, self.filename)
