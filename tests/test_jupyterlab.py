"""The course in a real JupyterLab, driven by a real browser: what a learner does after `make lab`, automated.

JupyterLab starts from .venv as `make lab` starts it (tools/lab.py: loopback only, the repository root served),
on a free port, with a token, and with its own temporary config, data, runtime and IPython folders, so that it
reads and writes none of the user's settings; it opens no browser. Playwright then drives Debian's Chromium
(`executable_path`: Playwright's own browser download is never used, and cannot be made here) through three
lessons, each opened from nbs/ and run with Run > Run All Cells until the kernel is idle:

- 01_callbacks: every code cell runs, no error output; the button is a live widget, and a click on it reaches the
  Python callback, which rewrites the button's label;
  At the end, a learner's answer to the practice exercise is typed into a new cell and run: a wrong
  `CountCalls` gets the checker's one-line explanation, a right one its agreement;
- 06_cnn_hooks, in quick mode (DL_FOUNDATIONS_FULL unset, as in a fresh JupyterLab): every code cell runs, no
  error output, its figures are drawn;
- 06a_stable_activations, its sequel (the ActivationStats callback and the fixes it measures), in quick mode too:
  the same, then the explorer of activation statistics gets a control moved, and its figure must be redrawn.

In each, no rendered output or prose shows Quarto's attribute text (`{target=`), and every show_doc entry's
source link renders as a link floated right (lesson 01 is plain Python and documents no API; 06 and 06a must show some). The lessons run on the same data settings as the other notebook
passes (DL_FOUNDATIONS_DATA, DL_FOUNDATIONS_OFFLINE, DL_FOUNDATIONS_CACHE from the environment; .ci/run points
them at ../shared/data when it exists). Run All also runs cells flagged `#| slow` or `#| full` (nbdev_test skips
them); the lessons guard those with `if FULL:`, so quick mode stays quick.

JupyterLab's autosave is off, and the test checks that the notebooks in nbs/ are byte for byte as before.
Screenshots (before the run, as committed, and after it), JupyterLab's version and each lesson's Run All time go
to `_course/jupyterlab/` (git-ignored); the session prints where. Without Chromium or Playwright the tests skip,
unless CI or DL_FOUNDATIONS_REQUIRE_BROWSER is set, where they fail.
"""
import importlib.util, json, os, re, secrets, socket, subprocess, sys, time, urllib.request
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT/'_course'/'jupyterlab'
LESSONS = {'01_callbacks': 300, '06_cnn_hooks': 1800, '06a_stable_activations': 1800}  # lesson -> seconds Run All may take: a guard against a hang (06, before 06a was split off, took 236-647 s on 2 cores shared with other work)

def _load(name):
    spec = importlib.util.spec_from_file_location(name, ROOT/'tools'/f'{name}.py')
    mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod)
    return mod

lab = _load('lab')

def _missing(msg):
    if os.environ.get('CI') or os.environ.get('DL_FOUNDATIONS_REQUIRE_BROWSER'): pytest.fail(msg)
    pytest.skip(msg)

@pytest.fixture(scope='module')
def chromium():
    find_chromium = _load('browser').find_chromium
    exe = find_chromium()
    if not exe:
        subprocess.run(['bash', str(ROOT/'tools'/'install_chromium.sh')], capture_output=True, text=True)
        exe = find_chromium()
    if not exe: _missing('chromium is not installed and tools/install_chromium.sh could not install it (needs root or sudo and apt)')
    return exe

@pytest.fixture(scope='module')
def browser(chromium):
    try: from playwright.sync_api import sync_playwright
    except ImportError: _missing('the playwright package is not installed: run `make setup`')
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=chromium, args=['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'])
        yield b
        b.close()

# JupyterLab's settings for the test, in its own config folder: no autosave (the notebooks in nbs/ stay as they
# are), every cell in the page (JupyterLab otherwise draws only the cells near the screen), no news or update check.
LAB_SETTINGS = {
    '@jupyterlab/docmanager-extension/plugin': {'autosave': False},
    '@jupyterlab/notebook-extension/tracker': {'windowingMode': 'none'},
    '@jupyterlab/apputils-extension/notification': {'fetchNews': 'false', 'checkForUpdates': False},
}

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0)); return s.getsockname()[1]

@pytest.fixture(scope='module')
def jupyterlab(tmp_path_factory, request):
    home = tmp_path_factory.mktemp('jupyterlab')
    dirs = {k: home/k for k in ('config', 'data', 'runtime', 'ipython', 'checkpoints')}
    for d in dirs.values(): d.mkdir()
    for plugin, values in LAB_SETTINGS.items():
        f = dirs['config']/'lab'/'user-settings'/f'{plugin}.jupyterlab-settings'
        f.parent.mkdir(parents=True, exist_ok=True); f.write_text(json.dumps(values))
    env = lab.lab_env(base=os.environ)  # as make lab: the venv's kernel, inline figures
    env.pop('DL_FOUNDATIONS_FULL', None)  # quick mode, the default of a fresh JupyterLab
    env.update(JUPYTER_CONFIG_DIR=str(dirs['config']), JUPYTER_DATA_DIR=str(dirs['data']),
               JUPYTER_RUNTIME_DIR=str(dirs['runtime']), IPYTHONDIR=str(dirs['ipython']))
    port, token = _free_port(), secrets.token_hex(16)
    # checkpoints (Jupyter copies a notebook into .ipynb_checkpoints/ beside it when it opens one) go to the temporary folder
    args = lab.lab_args(port, open_browser=False, extra=[f'--IdentityProvider.token={token}',
                                                          f'--FileCheckpoints.root_dir={dirs["checkpoints"]}'])
    notebooks = {p: p.read_bytes() for p in (ROOT/'nbs').glob('*.ipynb')}
    log = open(home/'jupyterlab.log', 'w+')
    proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    url = f'http://127.0.0.1:{port}'
    def log_tail(): log.flush(); return (home/'jupyterlab.log').read_text(errors='replace')[-3000:]
    deadline = time.time() + 120
    while True:
        if proc.poll() is not None: pytest.fail(f'JupyterLab exited (code {proc.returncode}) before it answered:\n{log_tail()}')
        try:
            with urllib.request.urlopen(f'{url}/api/status?token={token}', timeout=5) as r:
                if r.status == 200: break
        except OSError: pass
        if time.time() > deadline:
            proc.kill(); pytest.fail(f'JupyterLab did not answer on {url} within 120 s:\n{log_tail()}')
        time.sleep(0.5)
    SHOTS.mkdir(parents=True, exist_ok=True)
    from jupyterlab import __version__ as version
    report = {'jupyterlab': version, 'run_all_seconds': {}, 'screenshots': []}
    yield dict(url=url, token=token, report=report, log=log_tail)
    proc.terminate()  # the server shuts its kernels down on SIGTERM
    try: proc.wait(timeout=30)
    except subprocess.TimeoutExpired: proc.kill(); proc.wait()
    log.close()
    report['load_average_1_5_15_min'] = [round(x, 2) for x in os.getloadavg()]  # the times depend on what else ran
    (SHOTS/'report.json').write_text(json.dumps(report, indent=1))
    changed = [p.name for p, b in notebooks.items() if p.read_bytes() != b]
    for p in changed: p.write_bytes(notebooks[p])
    capture = request.config.pluginmanager.getplugin('capturemanager')
    line = f'\nJupyterLab {version} screenshots and Run All times: {SHOTS.relative_to(ROOT)}/ ({", ".join(report["screenshots"])})'
    if capture is None: print(line)
    else:
        with capture.global_and_fixture_disabled(): print(line)
    assert not changed, f'the browser test changed {changed} in nbs/ (restored): JupyterLab saved them'

# The state of the open notebook, read from the page as a learner sees it.
STATE_JS = """() => {
  const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
  if (!panel) return null;
  const status = panel.querySelector('.jp-Notebook-ExecutionIndicator');
  return {status: status ? status.dataset.status : null,
          prompts: [...panel.querySelectorAll('.jp-CodeCell .jp-InputPrompt')].map(p => p.innerText.trim())};
}"""

# What the reader sees: every rendered output and prose cell, show_doc's source links, images, widget buttons.
READ_JS = """() => {
  const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
  const outs = [...panel.querySelectorAll('.jp-OutputArea-output')];
  const docs = outs.filter(o => o.querySelector('h2, h3, h4') && o.querySelector('pre'));
  return {
    outputs: outs.map(o => ({mime: o.dataset.mimeType || null, text: o.innerText})),
    prose: [...panel.querySelectorAll('.jp-MarkdownCell .jp-RenderedMarkdown')].map(m => m.innerText),
    source_links: docs.map(o => { const a = [...o.querySelectorAll('a')].find(a => a.innerText.trim() === 'source');
      return {entry: o.querySelector('h2, h3, h4').innerText.replace('¶', '').trim(),
              href: a ? a.href : null, float: a ? getComputedStyle(a).float : null}; }),
    images: [...panel.querySelectorAll('.jp-OutputArea-output img')].map(i => ({loaded: i.complete && i.naturalWidth > 0, w: i.naturalWidth})),
    buttons: [...panel.querySelectorAll('.jp-OutputArea-output .jupyter-widgets button, .jp-OutputArea-output button.jupyter-button')].map(b => b.innerText.trim()),
  };
}"""

def open_notebook(browser, jupyterlab, path:str):
    "A page with `path` (relative to the repository root) open in JupyterLab, its kernel started and idle."
    page = browser.new_page(viewport={'width': 1400, 'height': 900})
    page.goto(f'{jupyterlab["url"]}/lab/tree/{path}?token={jupyterlab["token"]}&reset')  # reset: no saved workspace
    page.wait_for_selector('.jp-NotebookPanel .jp-Cell', timeout=90_000)
    page.wait_for_function("() => /\\bIdle\\b/.test((document.querySelector('#jp-main-statusbar') || {}).innerText || '')", timeout=120_000)
    return page

def shut_down_kernels(jupyterlab):
    "End every notebook session (its kernel too): a closed tab leaves its kernel running, holding the lesson's memory."
    def call(method, path):
        req = urllib.request.Request(f'{jupyterlab["url"]}{path}', method=method,
                                     headers={'Authorization': f'token {jupyterlab["token"]}'})
        with urllib.request.urlopen(req, timeout=30) as r: return json.loads(r.read() or b'null')
    for session in call('GET', '/api/sessions'): call('DELETE', f'/api/sessions/{session["id"]}')

def run_all(page, timeout:float) -> float:
    "Run > Run All Cells, as a learner does; wait until no cell is queued or running and the kernel is idle. Seconds taken."
    page.click('.lm-MenuBar-itemLabel:text-is("Run")')
    page.click('.lm-Menu-itemLabel:text-is("Run All Cells")')  # not "Restart Kernel and Run All Cells…"
    start = time.time()
    # the run has begun: a cell is queued or running (or, for a very short notebook, every cell already ran)
    page.wait_for_function("() => { const p = [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')].map(x => x.innerText);"
                           " return p.some(t => t.includes('*')) || p.every(t => /\\[\\d+\\]/.test(t)); }", timeout=30_000)
    idle_since = None
    while time.time() - start < timeout:
        s = page.evaluate(STATE_JS)
        done = s and s['status'] == 'idle' and not any('*' in p for p in s['prompts'])
        if done and idle_since is None: idle_since = time.time()
        if not done: idle_since = None
        if idle_since and time.time() - idle_since > 1.0: return idle_since - start  # idle for a second: finished
        time.sleep(0.25)
    pytest.fail(f'Run All did not finish within {timeout:.0f} s; prompts: {s and s["prompts"]}')

def scroll_to(page, js_find:str):
    "Scroll the element that `js_find` (a JS expression) returns into the middle of the notebook view."
    found = page.evaluate(f"() => {{ const el = {js_find}; if (el) el.scrollIntoView({{block: 'center'}}); return !!el; }}")
    page.wait_for_timeout(300)
    return found

def shoot(page, jupyterlab, name:str) -> Path:
    path = SHOTS/name
    page.screenshot(path=str(path))
    jupyterlab['report']['screenshots'].append(name)
    return path

WIDGET_CELL = "[...document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell')].find(c => c.innerText.includes('on_click(count_click)'))"

def check_ran_cleanly(page, lesson:str) -> dict:
    "Every code cell ran, no error output, no Quarto attribute text anywhere, show_doc's source links floated right."
    prompts = page.evaluate(STATE_JS)['prompts']
    unrun = [i for i, p in enumerate(prompts) if not re.match(r'^\[\d+\]:$', p)]
    seen = page.evaluate(READ_JS)
    errors = [o['text'][:1500] for o in seen['outputs'] if 'Traceback (most recent call last)' in o['text']
              or (o['mime'] == 'application/vnd.jupyter.stderr' and re.search(r'^\w*(Error|Exception)\b', o['text'], re.M))]
    assert not errors, f'{lesson}: error output in JupyterLab:\n' + '\n---\n'.join(errors)
    assert not unrun, f'{lesson}: Run All left code cells {unrun} of {len(prompts)} unrun (an error stops it)'
    junk = [t[:200] for t in [o['text'] for o in seen['outputs']] + seen['prose'] if '{target=' in t]
    assert not junk, f'{lesson}: Quarto attribute text shown in JupyterLab:\n' + '\n'.join(junk)
    bad_links = [l for l in seen['source_links'] if not (l['href'] or '').startswith('https://') or l['float'] != 'right']
    assert not bad_links, f'{lesson}: show_doc entries without a source link floated right: {bad_links}'
    return seen

def test_lesson_01_runs_and_its_button_answers_clicks(browser, jupyterlab):
    page = open_notebook(browser, jupyterlab, 'nbs/01_callbacks.ipynb')
    try:
        # Before the run: the outputs as committed (a reader who opens the notebook sees these first).
        scroll_to(page, WIDGET_CELL); shoot(page, jupyterlab, '01_widget_before_run_committed.png')
        jupyterlab['report']['run_all_seconds']['01_callbacks'] = round(run_all(page, LESSONS['01_callbacks']), 1)
        seen = check_ran_cleanly(page, '01_callbacks')
        assert not [o for o in seen['outputs'] if 'Button(description=' in o['text']], 'the widget shows its repr, not a button'
        button = page.locator('.jp-OutputArea-output .jupyter-widgets button, .jp-OutputArea-output button.jupyter-button')
        assert button.count() == 1, f'lesson 01 should show one live button widget, found {seen["buttons"]}'
        before = button.inner_text().strip()
        button.scroll_into_view_if_needed(); button.click()
        # The label changes only when the click has reached the kernel and the Python callback has written it.
        page.wait_for_function("b => [...document.querySelectorAll('.jp-OutputArea-output button')].some(x => x.innerText.trim() !== b)",
                               arg=before, timeout=30_000)
        after = button.inner_text().strip()
        n = int(re.search(r'(\d+)', before).group(1)) if re.search(r'\d+', before) else 0
        assert after == f'Clicked {n + 1} time(s)', f'after one click the button reads {after!r} (before: {before!r})'
        scroll_to(page, WIDGET_CELL); shoot(page, jupyterlab, '01_widget_after_click.png')
        # The practice: the committed stub ran to the checker's "not written yet"; now a learner's wrong answer
        shown = add_cell_and_run(page, WRONG_COUNT_CALLS)
        shoot(page, jupyterlab, '01_checker_answers_a_wrong_class.png')
        assert 'Not yet' in shown and 'takes 2 positional arguments but 3 were given' in shown, \
            f'the checker should explain why a one-argument __call__ is wrong; the cell shows {shown!r}'
        shown = add_cell_and_run(page, RIGHT_COUNT_CALLS)
        assert 'agrees' in shown or 'counts and forwards' in shown, f'the checker should pass a right answer; it shows {shown!r}'
        assert 'Not yet' not in shown, shown
    finally: page.close(); shut_down_kernels(jupyterlab)

# What a learner might type for lesson 01's exercise: a __call__ that takes one argument, the step only.
WRONG_COUNT_CALLS = '''class CountCalls:
    def __init__(self, fn): self.fn, self.n = fn, 0
    def __call__(self, step):
        self.n += 1
        return self.fn(step)
    def __len__(self): return self.n
    def __getattr__(self, name): return getattr(self.fn, name)

check_count_calls(CountCalls)'''
RIGHT_COUNT_CALLS = WRONG_COUNT_CALLS.replace('def __call__(self, step):', 'def __call__(self, *args, **kwargs):').replace(
    'return self.fn(step)', 'return self.fn(*args, **kwargs)')

def run_lesson_with_figures(page, jupyterlab, stem:str):
    "Run All on lesson `stem`; it must finish without an error, render its show_doc entries, and draw figures that load."
    jupyterlab['report']['run_all_seconds'][stem] = round(run_all(page, LESSONS[stem]), 1)
    seen = check_ran_cleanly(page, stem)
    assert seen['source_links'], f'{stem}: no show_doc entry rendered'
    assert seen['images'], f'{stem} drew no figure in JupyterLab'
    assert all(i['loaded'] for i in seen['images']), f'figures that did not load: {seen["images"]}'

def test_lesson_06_runs_in_quick_mode_with_its_figures(browser, jupyterlab):
    page = open_notebook(browser, jupyterlab, 'nbs/06_cnn_hooks.ipynb')
    try:
        run_lesson_with_figures(page, jupyterlab, '06_cnn_hooks')
        scroll_to(page, "document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output img')")
        shoot(page, jupyterlab, '06_figure_after_run.png')
    finally: page.close(); shut_down_kernels(jupyterlab)

def test_lesson_06a_runs_in_quick_mode_and_its_explorer_redraws(browser, jupyterlab):
    page = open_notebook(browser, jupyterlab, 'nbs/06a_stable_activations.ipynb')
    try:
        run_lesson_with_figures(page, jupyterlab, '06a_stable_activations')
        assert move_explorer(page, jupyterlab, '06a_stable_activations'), 'moving the explorer\'s control did not redraw its figure'
    finally: page.close(); shut_down_kernels(jupyterlab)

# --- Practice and explorers, as a learner uses them ---

CELLS = '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell'

def add_cell_and_run(page, code:str, timeout:float=120) -> str:
    "Add a code cell below the last one, type `code` into it as a learner would, run it; the text of its output."
    cells = page.locator(CELLS)
    n = cells.count()
    last = cells.nth(n - 1)
    last.scroll_into_view_if_needed(); last.click()
    page.keyboard.press('Escape')        # command mode
    page.keyboard.press('b')             # a new cell below, selected
    page.keyboard.press('Enter')         # edit mode
    page.keyboard.insert_text(code)      # typed text, without the editor's auto-indent doubling the indentation
    page.keyboard.press('Shift+Enter')   # run it
    new = page.locator(CELLS).nth(n)
    page.wait_for_function("el => /\\[\\d+\\]/.test(el.querySelector('.jp-InputPrompt').innerText) && el.querySelector('.jp-OutputArea-output')",
                           arg=new.element_handle(), timeout=timeout * 1000)
    new.scroll_into_view_if_needed()
    return new.locator('.jp-OutputArea').inner_text()

def move_explorer(page, jupyterlab, lesson:str):
    "Find the lesson's first explorer, change its first control, and check that its figure is redrawn."
    ex = page.locator('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output .widget-interact').first
    assert ex.count(), f'{lesson}: no live explorer (an ipywidgets interactive) after Run All'
    ex.scroll_into_view_if_needed()
    page.wait_for_function("el => el.querySelector('img')", arg=ex.element_handle(), timeout=60_000)
    before = ex.locator('img').first.get_attribute('src')
    shoot(page, jupyterlab, f'{lesson}_explorer_before.png')
    select, slider = ex.locator('select'), ex.locator('.noUi-handle')
    if select.count():
        options = select.first.locator('option').all_inner_texts()
        current = select.first.evaluate('s => s.options[s.selectedIndex].text')
        select.first.select_option(label=next(o for o in options if o != current))
    else:
        assert slider.count(), f'{lesson}: the explorer has neither a dropdown nor a slider'
        slider.first.focus()
        for _ in range(3): page.keyboard.press('ArrowRight')
    page.wait_for_function("([el, src]) => { const i = el.querySelector('img'); return i && i.getAttribute('src') !== src; }",
                           arg=[ex.element_handle(), before], timeout=60_000)
    ex.scroll_into_view_if_needed()
    shoot(page, jupyterlab, f'{lesson}_explorer_after_moving_a_control.png')
    return before != ex.locator('img').first.get_attribute('src')
