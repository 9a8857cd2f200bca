# dl_foundations: the course's commands (the README's two, and JupyterLab).
#   make course          run every lesson top to bottom (quick mode) and print the reproduction table
#   make course FULL=1   the same with the lectures' full experiments on real data
#   make test            everything CI runs (.ci/run calls exactly this)
#   make lab             work through the lessons in JupyterLab (127.0.0.1:8888; PORT=8890 for another port, FULL=1 for full mode)
# All three create .venv on first use and install the project with the pinned toolchain in
# requirements/constraints.txt (the single place the toolchain is pinned).

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.dl_foundations-installed
FULL ?= 0
LESSONS ?=
PORT ?= 8888

.PHONY: course test lab setup constraints clean-course

course: $(STAMP)
	$(PY) tools/run_lessons.py $(if $(filter-out 0,$(FULL)),--full) $(if $(LESSONS),--lesson $(LESSONS))

test: $(STAMP)
	bash tools/test.sh

# JupyterLab from .venv on 127.0.0.1, serving this folder; it says what to do when the port is taken.
lab: $(STAMP)
	@$(PY) tools/lab.py --port $(PORT) $(if $(filter-out 0,$(FULL)),--full)

setup: $(STAMP)

# Re-installs when the pins, the requirements or the packaging change.
$(STAMP): requirements/constraints.txt settings.ini setup.py
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q -c requirements/constraints.txt -e ".[dev]"
	$(PY) -m pip check
	@touch $(STAMP)

# After changing requirements in settings.ini: re-resolve and re-pin the toolchain.
constraints: $(STAMP)
	$(PY) -m pip install -q -e ".[dev]"
	( sed -n '1,2p' requirements/constraints.txt; $(PY) -m pip freeze --exclude-editable | grep -iv '^dl.foundations' ) > requirements/constraints.txt.new
	mv requirements/constraints.txt.new requirements/constraints.txt

clean-course:
	rm -rf _course
