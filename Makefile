# The two commands of the README, and a few more for instructors.
#   make lab    open the lecture in JupyterLab at the first notebook
#   make test   run every test: unit tests and every notebook under strict nbval
# Each creates .venv from the pinned requirements when it is missing or stale.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PYTEST_NOTEBOOKS := notebooks
SANITIZE := notebooks/sanitize.cfg

.PHONY: lab test bench slides html site exercises grading freeze links clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip==26.3

# Reinstall when a requirements file or pyproject.toml is newer than the stamp.
$(VENV)/.stamp-runtime: requirements.txt pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.stamp-dev: requirements-dev.txt requirements-grading.txt $(VENV)/.stamp-runtime
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

# The course website's packages (Sphinx, MyST-NB, sphinx-book-theme): not the students'.
$(VENV)/.stamp-docs: requirements-docs.txt $(VENV)/.stamp-runtime
	$(BIN)/python -m pip install --quiet -r requirements-docs.txt
	touch $@

# --allow-root only when run as root (a container, a VM): Jupyter refuses root otherwise.
lab: $(VENV)/.stamp-runtime
	$(BIN)/jupyter lab $(if $(filter 0,$(shell id -u)),--allow-root) notebooks/01_data.ipynb

# The proxy that tests/test_jupyterhub.py puts in front of JupyterHub (configurable-http-proxy,
# pinned by tests/hub/package-lock.json). npm writes node_modules/.package-lock.json on every install.
HUB_PROXY := tests/hub/node_modules/.package-lock.json
$(HUB_PROXY): tests/hub/package-lock.json
	cd tests/hub && npm ci --ignore-scripts --no-audit --no-fund
	touch $@

# The decks' JavaScript and axe-core (the accessibility tests of the slides and the explorer),
# pinned by slides/package-lock.json.
# Without npm the slide tests skip (with the reason); CI has npm.
SLIDES_NPM := slides/node_modules/.package-lock.json
$(SLIDES_NPM): slides/package-lock.json
	@if command -v npm >/dev/null; then cd slides && npm ci --ignore-scripts --no-audit --no-fund; \
	else echo "npm is missing: tests/test_slides.py will skip"; fi

test: $(VENV)/.stamp-dev $(VENV)/.stamp-docs $(HUB_PROXY) $(SLIDES_NPM)
	$(BIN)/python -m pytest tests $(PYTEST_NOTEBOOKS) --nbval --nbval-sanitize-with $(SANITIZE) \
		--ignore-glob='notebooks/exercises/ex*.ipynb' -p no:cacheprovider --durations=15

bench: $(VENV)/.stamp-runtime
	$(BIN)/python benchmarks/bench_samplers.py
	$(BIN)/python benchmarks/bench_widgets.py
	$(BIN)/python benchmarks/bench_mixing.py
	$(BIN)/python benchmarks/bench_three_level.py
	$(BIN)/python benchmarks/bench_notebooks.py

# Offline reveal.js decks of the lecture notebooks: build/slides/NN_name.slides.html, with
# reveal.js, MathJax, jQuery and require.js copied into build/slides/lib/ (npm ci in slides/,
# pinned by slides/package-lock.json). Uses the outputs committed in the notebooks.
slides: $(VENV)/.stamp-runtime
	$(BIN)/python slides/build.py

# The page `jupyter nbconvert --to html` makes of each lecture notebook, with our template
# (slides/templates/teachkit_lab: WCAG AA contrast) and MathJax from lib/: build/html/.
html: $(VENV)/.stamp-runtime
	$(BIN)/python slides/build.py --html

# The course as a static website in build/site/ (site/conf.py; README, "The course website"):
# every lecture notebook, the exercises, and with SOLUTIONS=1 their solutions; HUB=https://...
# sets the JupyterHub of the launch buttons. Nothing is executed. Built afresh every time, so
# that a page left from an earlier build (a solution) cannot stay behind. tests/test_site.py
# runs this rule (with SITE_OUT set for the build with solutions).
SITE_OUT ?= build/site
site: $(VENV)/.stamp-docs $(SLIDES_NPM)
	rm -rf $(SITE_OUT) $(SITE_OUT)-doctrees
	$(if $(HUB),TEACHKIT_SITE_HUB=$(HUB)) $(BIN)/python -m sphinx -b html -W --keep-going -q \
		-d $(SITE_OUT)-doctrees $(if $(SOLUTIONS),-t solutions) site $(SITE_OUT)
	@echo "site: $(SITE_OUT)/index.html, $$(find $(SITE_OUT) -name '*.html' -not -path '*/_static/*' | wc -l) pages"

exercises: $(VENV)/.stamp-runtime
	$(BIN)/python -m teachkit.exercises build

# The exercises as an nbgrader course in build/grading (README "Grading"): source/ with the
# points of grading/points.toml, nbgrader_config.py, and the hidden tests in instructor/.
# nbgrader itself comes from requirements-grading.txt (the instructor's side).
$(VENV)/.stamp-grading: requirements-grading.txt $(VENV)/.stamp-runtime
	$(BIN)/python -m pip install --quiet -r requirements-grading.txt
	touch $@

grading: $(VENV)/.stamp-grading
	$(BIN)/python -m teachkit.exercises nbgrader --course build/grading

# Re-pin: install the direct dependencies in a scratch venv and freeze them.
freeze:
	rm -rf /tmp/teachkit-freeze && $(PYTHON) -m venv /tmp/teachkit-freeze
	/tmp/teachkit-freeze/bin/pip install --quiet $$(grep -v '^#' requirements.in)
	{ echo "# Pinned: everything the notebooks and tests need, on Python 3.11."; \
	  echo "# Regenerate with: make freeze (installs requirements.in in a clean venv and freezes it)."; \
	  /tmp/teachkit-freeze/bin/pip freeze; echo "-e ."; } > requirements.txt
	$(MAKE) binder/requirements.txt

# Binder's pins: requirements.txt without its jupyterlab pin (Binder's base environment
# brings JupyterLab with a notebook release that accepts only its own JupyterLab minor).
# tests/test_binder.py checks that the file is what this rule writes.
binder/requirements.txt: requirements.txt
	{ echo "# Written by \`make binder/requirements.txt\` from ../requirements.txt: the same pins without"; \
	  echo "# jupyterlab, which stays what Binder's base environment has (its notebook 7.4.7 refuses"; \
	  echo "# jupyterlab 4.5 or newer). The last line, -e ., installs teachkit (pip runs from the"; \
	  echo "# repository root on Binder)."; \
	  grep -v -e '^#' -e '^jupyterlab==' requirements.txt; } > $@

# Badges, Colab set-up cells and README links from pyproject's [project.urls] Source
# (see notebooks/AUTHORING.md); idempotent.
links: $(VENV)/.stamp-runtime
	$(BIN)/python tools/notebook_links.py write

clean:
	rm -rf $(VENV) build
