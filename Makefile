# The README's two commands: `make demo` (main job) and `make test`.
# Both set up .venv/ first (tools/setup_env.sh is a no-op once it is current).
PY := .venv/bin/python

.PHONY: setup demo test benchmarks lint format

setup:
	bash tools/setup_env.sh

demo: setup
	$(PY) tools/toy_comparison.py

test: setup
	$(PY) -m pytest tests

# Regenerates every table and chart under benchmarks/ (about 3 hours on 2
# cores: 2 of them the deploy benchmark's INT8 sensitivity searches, 45
# minutes the INT8 claim, which trains the demo's eight detectors unless
# `make demo` left them in work_dirs/toy_comparison).
benchmarks: setup
	$(PY) tools/analysis_tools/complexity.py --paper
	$(PY) tools/analysis_tools/benchmark.py
	$(PY) tools/analysis_tools/benchmark_data.py
	$(PY) tools/analysis_tools/benchmark_training.py --device cpu --batch-sizes 8 24 --iters 6 --workers 2
	$(PY) tools/analysis_tools/benchmark_deploy.py
	$(PY) tools/analysis_tools/readme_tables.py
	$(PY) tools/analysis_tools/benchmark_int8.py --fp32-parts-from benchmarks/deploy_int8_parts.json

lint: setup
	.venv/bin/lint-imports
	$(PY) -m flake8 mnx_det tools tests configs
	$(PY) -m isort --check-only --diff mnx_det tools tests configs
	$(PY) -m yapf --diff --recursive mnx_det tools tests configs

format: setup
	$(PY) -m isort mnx_det tools tests configs
	$(PY) -m yapf --in-place --recursive mnx_det tools tests configs
