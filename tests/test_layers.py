"""The package's shape: imports run one way, and ``import mnx_det`` alone
registers every type."""
import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import ROOT

LINT_IMPORTS = Path(sys.executable).parent / 'lint-imports'


def registered_types():
    """(registry, class) of every ``@REGISTRY.register_module()`` class in
    the package's source."""
    found = []
    for path in sorted((ROOT / 'mnx_det').rglob('*.py')):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.ClassDef):
                continue
            for decorator in node.decorator_list:
                if (isinstance(decorator, ast.Call) and getattr(
                        decorator.func, 'attr', '') == 'register_module'):
                    found.append((decorator.func.value.id, node.name))
    return found


def test_bare_import_registers_every_type():
    """... without the deploy runtimes (the exporters and sessions load
    them when they are used), as in a project that has none."""
    types = registered_types()
    assert ('MODELS', 'ORTDetector') in types  # the scan sees the package
    assert len(types) >= 10
    check = ('import sys\n'
             'sys.modules.update(dict.fromkeys(\n'
             '    ["onnx", "onnxruntime", "openvino", "executorch"]))\n'
             'import mnx_det, mmdet.registry as r\n'
             f'for registry, name in {types!r}:\n'
             '    assert getattr(r, registry).get(name) is not None, name\n'
             'print(len(%r))' % types)
    result = subprocess.run([sys.executable, '-c', check],
                            capture_output=True,
                            text=True,
                            cwd=ROOT)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split()[-1] == str(len(types))


def lint_imports(root):
    return subprocess.run([str(LINT_IMPORTS), '--no-cache'],
                          capture_output=True,
                          text=True,
                          cwd=root)


def test_import_layers_hold():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout[-3000:]
    assert 'Contracts: 2 kept, 0 broken' in result.stdout


@pytest.mark.parametrize(
    'module, line, broken',
    [('errors.py', 'from . import deploy', 'mnx_det imports run one way'),
     ('models/__init__.py', 'from ..apis import build_detector',
      'mnx_det imports run one way'),
     ('datasets/checks.py', 'import tools.train',
      'the package never imports the command-line tools')])
def test_a_wrong_import_breaks_the_contracts(tmp_path, module, line, broken):
    shutil.copytree(ROOT / 'mnx_det', tmp_path / 'mnx_det')
    shutil.copy(ROOT / 'setup.cfg', tmp_path)
    with open(tmp_path / 'mnx_det' / module, 'a') as f:
        f.write(f'\n{line}\n')
    result = lint_imports(tmp_path)
    assert result.returncode != 0
    assert f'{broken} BROKEN' in result.stdout, result.stdout[-3000:]
