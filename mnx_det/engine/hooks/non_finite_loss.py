"""Stop training at the first NaN or infinite loss, before it is applied."""
import math

import torch
from mmdet.registry import HOOKS
from mmengine.dist import all_reduce
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from ...errors import ConfigError, UserError


class NonFiniteLossError(UserError, FloatingPointError):
    """Training met a NaN or infinite loss or learning rate."""


@HOOKS.register_module()
class NonFiniteLossHook(Hook):
    """Stops the run at the first non-finite loss or learning rate.

    mmdet's ``CheckInvalidLossHook`` looks at the loss after the optimizer
    step (the weights are already NaN by then) and only every ``interval``
    iterations. mmengine offers no hook point between a model's loss and the
    optimizer step, so this hook wraps the model's ``parse_losses`` for the
    run: a NaN or infinite loss term stops training *before* the update,
    naming the iteration, every loss term, the lr and the batch's image ids;
    no checkpoint of poisoned weights is written. A non-finite lr stops the
    run before the iteration that would apply it. Under a distributed
    launcher all processes stop together.

    Args:
        action (str): ``'stop'`` raises :class:`NonFiniteLossError`;
            ``'skip'`` logs the same line and replaces the loss by a zero
            one, so the step applies no gradient (momentum and weight decay
            still act; mixed-precision runs whose loss scaler overflows now
            and then may prefer this). Default: 'stop'.
    """

    priority = 'VERY_HIGH'

    def __init__(self, action='stop'):
        if action not in ('stop', 'skip'):
            raise ConfigError(
                f"action must be 'stop' or 'skip', got {action!r}")
        self.action = action
        self._image_ids = []

    def before_train(self, runner):
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        parse_losses = type(model).parse_losses

        def checked_parse_losses(losses):
            loss, log_vars = parse_losses(model, losses)
            return self._checked(runner, model, loss, log_vars), log_vars

        model.parse_losses = checked_parse_losses

    def after_train(self, runner):
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        model.__dict__.pop('parse_losses', None)

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        samples = (data_batch or {}).get('data_samples', [])
        self._image_ids = [s.metainfo.get('img_id') for s in samples]
        lrs = self._lrs(runner)
        if not all(math.isfinite(lr) for lr in lrs):
            raise NonFiniteLossError(
                f'learning rate {lrs} at iteration {runner.iter + 1} is not '
                'finite: training stopped before applying it (check '
                'optim_wrapper.optimizer.lr and the param_scheduler)')

    @staticmethod
    def _lrs(runner):
        return [
            lr for lrs in runner.optim_wrapper.get_lr().values() for lr in lrs
        ]

    def _checked(self, runner, model, loss, log_vars):
        finite = torch.isfinite(loss.detach()).float().reshape(1)
        all_reduce(finite, op='min')  # every process stops, or none
        if finite.item() == 1:
            return loss
        terms = ', '.join(f'{name} {float(value):.4g}'
                          for name, value in log_vars.items())
        message = (f'non-finite loss at iteration {runner.iter + 1}: '
                   f'{terms}; lr {self._lrs(runner)}; images '
                   f'{self._image_ids}')
        if self.action == 'stop':
            raise NonFiniteLossError(
                message + '. Training stopped before applying it; no '
                'checkpoint of these weights was written.')
        runner.logger.warning(message + ': step skipped')
        # zero, yet connected to every parameter (DDP needs all gradients)
        return sum(p.sum() * 0 for p in model.parameters() if p.requires_grad)
