"""What the sandglass networks share as backbones: stages named
``layer1``... ``layer8`` of :class:`SandglassBlock` s after a stem
``conv1``, outputs chosen by ``out_indices`` and ``taps``, frozen stages,
norm layers kept in eval mode, and strict loading of ``Pretrained``
weights."""
from typing import Tuple

from mmengine.model import BaseModule
from mmengine.runner.checkpoint import CheckpointLoader
from torch import Tensor
from torch.nn.modules.batchnorm import _BatchNorm

from ...checkpoint import check_fit, model_state, select_prefix
from ...errors import ConfigError
from ..layers import TAP_LOCATIONS, SandglassBlock, tap_location

# The official initialisation: N(0, sqrt(2 / (k * k * out))).
KAIMING_INIT = [
    dict(
        type='Kaiming', layer='Conv2d', mode='fan_out', distribution='normal'),
    dict(type='Constant', val=1, layer=['_BatchNorm', 'GroupNorm'])
]


class SandglassNet(BaseModule):
    """A stem ``conv1`` and stages ``self.layers`` of sandglass blocks; a
    subclass builds them and then calls :meth:`_parse_taps`.

    Args:
        out_indices (Sequence[int]): Stage outputs to return.
        frozen_stages (int): Freeze the stem (0) and stages 1 to
            ``frozen_stages``; -1 freezes nothing.
        norm_eval (bool): Keep norm layers in eval mode while training.
        with_cp (bool): Use gradient checkpointing.
        init_cfg (dict or list[dict], optional): Initialization config;
            default :data:`KAIMING_INIT`.
    """

    def __init__(self, out_indices, frozen_stages, norm_eval, with_cp,
                 init_cfg):
        super().__init__(KAIMING_INIT if init_cfg is None else init_cfg)
        num_stages = len(self.arch_settings)
        if not set(out_indices) <= set(range(num_stages)):
            raise ConfigError(f'out_indices must be a subset of range(0, '
                              f'{num_stages}), got {out_indices}')
        if frozen_stages not in range(-1, num_stages + 1):
            raise ConfigError(f'frozen_stages must be in range(-1, '
                              f'{num_stages + 1}), got {frozen_stages}')
        self.out_indices = tuple(out_indices)
        self.frozen_stages = frozen_stages
        self.norm_eval = norm_eval
        self.with_cp = with_cp

    def describe(self):
        """The network in words, for messages."""
        return type(self).__name__

    def _parse_taps(self, taps):
        """Resolve tap names and describe every output of ``forward``."""
        tapped = {}  # (stage, block) -> locations tapped there
        for name in taps:
            block_name, _, location = name.rpartition('.')
            block = self._tap_block(name, block_name)
            location = tap_location(location)
            stage, index = block_name.split('.')
            key = (self.layers.index(stage), int(index))
            tapped.setdefault(key, []).append(location)
        # Locations in network order, sorted once for forward() too.
        self.taps = {
            key: tuple(sorted(locations, key=TAP_LOCATIONS.index))
            for key, locations in tapped.items()
        }

        self.feature_info = []
        stride = self.conv1.conv.stride[0]
        for i, stage in enumerate(self.layers):
            for j, block in enumerate(getattr(self, stage)):
                for location in self.taps.get((i, j), ()):
                    info = block.feature_info(location)
                    self.feature_info.append(
                        dict(
                            name=f'{stage}.{j}.{location}',
                            num_chs=info['num_chs'],
                            reduction=stride * info['stride']))
                stride *= block.stride
            if i in self.out_indices:
                self.feature_info.append(
                    dict(
                        name=stage,
                        num_chs=block.out_channels,
                        reduction=stride))
        self.out_channels = tuple(f['num_chs'] for f in self.feature_info)

    def _tap_block(self, name, block_name):
        try:
            block = self.get_submodule(block_name)
        except AttributeError:
            block = None
        if not isinstance(block, SandglassBlock) or block_name.count('.') != 1:
            raise ConfigError(f'tap {name!r} does not name a block: expected '
                              f"'layer{{i}}.{{j}}.{{location}}' with i in 1..."
                              f'{len(self.layers)}, e.g. layer6.0.expansion')
        return block

    def forward(self, x: Tensor) -> Tuple[Tensor, ...]:
        """The features of an (N, 3, H, W) batch: one (N, C_k, H / s_k,
        W / s_k) tensor per requested stage or tap, channels and strides
        as :attr:`feature_info` lists them."""
        x = self.conv1(x)
        outs = []
        for i, stage in enumerate(self.layers):
            for j, block in enumerate(getattr(self, stage)):
                locations = self.taps.get((i, j))
                if locations is None:
                    x = block(x)
                    continue
                tapped = block.forward_taps(x)
                x = tapped['output']
                outs.extend(tapped[location] for location in locations)
            if i in self.out_indices:
                outs.append(x)
        return tuple(outs)

    def init_weights(self):
        """Initialise; a ``Pretrained`` checkpoint is loaded strictly."""
        if not (isinstance(self.init_cfg, dict)
                and self.init_cfg.get('type') == 'Pretrained'):
            super().init_weights()
            return
        checkpoint = self.init_cfg['checkpoint']
        loaded = CheckpointLoader.load_checkpoint(
            checkpoint, map_location='cpu')
        state_dict = model_state(loaded)
        if self.init_cfg.get('prefix'):
            state_dict = select_prefix(state_dict, self.init_cfg['prefix'])
        check_fit(f'checkpoint {checkpoint} does not fit {self.describe()}',
                  self.state_dict(), state_dict)
        self.load_state_dict(state_dict)
        # BaseModule's flag: the weights are in; a parent's init_weights
        # must not initialise this module again.
        self.is_init = True

    def _freeze_stages(self):
        for name in (['conv1'] + self.layers)[:self.frozen_stages + 1]:
            module = getattr(self, name)
            module.eval()
            for param in module.parameters():
                param.requires_grad = False

    def train(self, mode=True):
        """Set train mode, keeping frozen stages and (if asked) norms in
        eval mode."""
        super().train(mode)
        self._freeze_stages()
        if mode and self.norm_eval:
            for m in self.modules():
                if isinstance(m, _BatchNorm):
                    m.eval()
        return self
