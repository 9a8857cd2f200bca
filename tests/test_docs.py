"""The offline documentation site (tools/build_docs.py) is complete, linked, and reads well in a real browser.

`make test` builds the site (tools/build_docs.py) before pytest; the `site` fixture reuses that build when its
manifest fingerprint matches the current sources, and otherwise runs tools/build_docs.py once per session,
so `pytest tests/test_docs.py` also works alone.

The browser tests open every page in headless Chromium at 1280 px (tools/browser.py, the DevTools protocol on a
pipe), after the pages' scripts ran, and assert on what a reader sees there (tools/docs_audit.py collects it):
no unrendered TeX, no Markdown link syntax, no machine paths, no raw dict/Axes reprs, no `*args, **kwargs` class,
every image loaded, every page in the sidebar, no line cut off, legible figures, math rendered, search working.
Each failure lists the offending pages and snippets. Screenshots of the home page and two lessons are kept in
`_docs_offline/screenshots/` (git-ignored; CI keeps them as artifacts); the session prints their paths.
They need Debian's chromium (tools/install_chromium.sh): without it they skip, unless CI or
DL_FOUNDATIONS_REQUIRE_BROWSER is set, where they fail.
"""
import ast, base64, importlib.util, json, os, re, shutil, subprocess, sys
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT/'_docs_offline'

SHOTS = OUT/'screenshots'
sys.path.insert(0, str(ROOT/'tools'))

def _load(name):
    spec = importlib.util.spec_from_file_location(name, ROOT/'tools'/f'{name}.py')
    mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod)
    return mod

bd = _load('build_docs')
audit_tools = _load('docs_audit')

@pytest.fixture(scope='session')
def site():
    man = OUT/'manifest.json'
    current = man.exists() and json.loads(man.read_text())['fingerprint'] == bd.source_fingerprint(ROOT)
    if not current:
        res = subprocess.run([sys.executable, str(ROOT/'tools'/'build_docs.py')], cwd=ROOT, capture_output=True, text=True)
        assert res.returncode == 0, f'tools/build_docs.py failed:\n{res.stdout[-3000:]}\n{res.stderr[-3000:]}'
    return json.loads(man.read_text())

def soup(path):
    from bs4 import BeautifulSoup
    return BeautifulSoup(Path(path).read_text(encoding='utf-8'), 'html.parser')

def norm(s):
    "Text for comparison: no markdown/backtick marks, no whitespace (HTML tags split text anywhere)."
    return ''.join(re.sub(r'[`*_\\]', '', s).split())

def test_every_notebook_has_its_page(site):
    nbs = ROOT/bd.settings(ROOT)['nbs_path']
    by_nb = {p['notebook']: p for p in site['pages']}
    notebooks = [n.relative_to(nbs).as_posix() for n in bd.documented_notebooks(nbs)]
    assert notebooks and notebooks[0] == 'index.ipynb', notebooks
    for nb in notebooks:
        assert nb in by_nb, f'{nb} has no page in {OUT.name}/'
        page = OUT/by_nb[nb]['page']
        assert page.exists(), f'{page} missing'
        s = soup(page)
        assert s.find('h1', class_='title').get_text(strip=True) == by_nb[nb]['title']
        assert by_nb[nb]['title'] in s.title.get_text()
        links = [a['href'] for a in s.select('#sidebar a')]
        assert len(links) == len(notebooks), f'{page.name}: the sidebar should link all {len(notebooks)} pages'

def test_sidebar_yml_lists_every_notebook():
    "The Quarto sidebar (nbs/sidebar.yml): index first, then every numbered notebook in order."
    import yaml
    nbs = ROOT/'nbs'
    listed = yaml.safe_load((nbs/'sidebar.yml').read_text())['website']['sidebar']['contents']
    expected = [n.relative_to(nbs).as_posix() for n in bd.documented_notebooks(nbs)]
    assert listed == expected, f'nbs/sidebar.yml lists {listed}; the notebooks are {expected}'

def exported_symbols():
    "(module, name, kind, docstring first line, page) for every name in each module's __all__ (kind 'other': constants, which have no show_doc)."
    cfg = bd.settings(ROOT)
    lib = ROOT/cfg['lib_path']
    ns = {}; exec((lib/'_modidx.py').read_text(), ns)
    syms = ns['d']['syms']
    out = []
    for py in sorted(lib.glob('*.py')):
        if py.name.startswith('_'): continue
        names, defs = audit_tools.module_exports(py)
        m = re.search(r'File to edit: (\S+\.ipynb)', py.read_text(encoding='utf-8'))
        nb_page = bd.page_name(Path(Path(m.group(1)).name)) if m else None
        for name in names:
            key = f'{cfg["lib_name"]}.{py.stem}.{name}'
            page = syms.get(f'{cfg["lib_name"]}.{py.stem}', {}).get(key, (None,))[0]
            doc = ast.get_docstring(defs[name]) if name in defs else None
            out.append((py.stem, name, 'def' if name in defs else 'other', (doc or '').strip().splitlines()[0] if doc else '',
                        page.split('#')[0] if page else nb_page))
    return out

def test_every_exported_symbol_has_its_show_doc(site):
    syms = exported_symbols()
    assert syms, 'no exported symbols found'
    pages = {p['page'] for p in site['pages']}
    problems, cache = [], {}
    for mod, name, kind, doc, page in syms:
        if page not in pages: problems.append(f'{mod}.{name}: its page {page} is not in the site'); continue
        if page not in cache:
            s = soup(OUT/page)
            heads = {h.get_text(' ', strip=True).rstrip('¶ ').strip() for h in s.select('.output_markdown h2, .output_markdown h3, .output_markdown h4')}
            cache[page] = (heads, norm(s.get_text(' ')))
        heads, text = cache[page]
        if kind == 'def':
            if name not in heads: problems.append(f'{mod}.{name}: no show_doc heading on {page}'); continue
            if doc and norm(doc) not in text: problems.append(f'{mod}.{name}: docstring "{doc}" not on {page}')
            if not doc: problems.append(f'{mod}.{name}: has no docstring')
    assert not problems, '\n'.join(problems)

def _refs(s):
    for tag, attr in (('a', 'href'), ('img', 'src'), ('link', 'href'), ('script', 'src')):
        for el in s.find_all(tag):
            if el.get(attr): yield tag, el[attr]

def test_internal_links_resolve(site):
    doc_url = bd.settings(ROOT)['doc_url']
    ids, broken = {}, []
    def ids_of(p):
        if p not in ids: ids[p] = {el['id'] for el in soup(p).find_all(id=True)}
        return ids[p]
    for p in site['pages']:
        page = OUT/p['page']
        for tag, url in _refs(soup(page)):
            if url.startswith(('data:', 'mailto:', 'javascript:')): continue
            if url.startswith(doc_url): broken.append(f'{p["page"]}: {url} points at the published site, not the local page'); continue
            if re.match(r'^[a-z][a-z0-9+.-]*:', url, flags=re.I): continue
            path, _, frag = url.partition('#')
            target = (page.parent/path).resolve() if path else page
            if not target.exists(): broken.append(f'{p["page"]}: {url} (no such file)'); continue
            if frag and target.suffix == '.html' and frag not in ids_of(target):
                hint = (f': nbdev links a backticked `{frag}` in prose to its entry, but a private name gets no show_doc '
                        'entry; write it without backticks (or add its show_doc)') if frag.startswith('_') else ''
                broken.append(f'{p["page"]}: {url} (no element with id {frag!r}){hint}')
    assert not broken, '\n'.join(broken)

def test_images_exist(site):
    problems, n = [], 0
    for p in site['pages']:
        page = OUT/p['page']
        for img in soup(page).find_all('img'):
            src = img.get('src', ''); n += 1
            if src.startswith('data:'):
                if len(base64.b64decode(src.split(',', 1)[1] + '==')) == 0: problems.append(f'{p["page"]}: empty data URI')
            elif re.match(r'^[a-z][a-z0-9+.-]*:', src, flags=re.I): problems.append(f'{p["page"]}: remote image {src}')
            elif not (page.parent/src).is_file() or (page.parent/src).stat().st_size == 0:
                problems.append(f'{p["page"]}: image {src} missing')
    assert not problems, '\n'.join(problems)
    assert n == sum(p['images'] for p in site['pages'])


# ---------------------------------------------------------------------------- what the build does, on small inputs

def test_record_figure_output_shows_its_markdown_not_its_json():
    import nbformat
    from dl_foundations.course import FIGURE_MIME
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell('record_figure(...)')
    cell.outputs = [nbformat.v4.new_output('display_data', data={
        'text/plain': "{'lesson': '05_cnn'}", 'text/markdown': '**CNN accuracy**: 98.21% (lecture 98.22%)',
        FIGURE_MIME: {'lesson': '05_cnn', 'value': 0.9821}})]
    nb.cells = [cell]
    bd.prepare_notebook(nb)
    body, _ = bd.make_exporter().from_notebook_node(nb)
    assert '98.21% (lecture 98.22%)' in body and '<strong>CNN accuracy</strong>' in body, body[-1500:]
    assert "'lesson'" not in body and '0.9821' not in body, 'the JSON record (or the plain dict) reached the page'

def test_progress_bars_are_left_out():
    bar = "<div><progress value='0' max='5' style='width:300px'></progress> 0.00% [0/5 00:00&lt;?]</div>"
    table = '<table><tr><td>epoch 1</td></tr></table>'
    outs = [dict(output_type='display_data', data={'text/html': bar, 'text/plain': '<IPython.core.display.HTML object>'}, metadata={}),
            dict(output_type='display_data', data={'text/html': bar + table}, metadata={}),
            dict(output_type='stream', name='stdout', text='epoch 0: loss 0.3\n')]
    kept = bd.drop_progress_bars(outs)
    assert len(kept) == 2, f'the output that is only a bar should be dropped, the others kept: {kept}'
    html = kept[0]['data']['text/html']
    assert table in html and '<progress' not in html and '0/5' not in html, html
    assert kept[1]['output_type'] == 'stream'

def test_widgets_show_their_text_version():
    "A static page cannot draw an ipywidgets widget: it shows the note the output carries as text."
    import nbformat
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell('display(button)')
    note = "A button, 'Click me': run this cell in Jupyter, then click it."
    cell.outputs = [nbformat.v4.new_output('display_data', data={
        'application/vnd.jupyter.widget-view+json': {'model_id': 'abc', 'version_major': 2, 'version_minor': 0},
        'text/plain': note, 'text/html': f'<p><em>{note}</em></p>'})]
    nb.cells = [cell]
    bd.prepare_notebook(nb)
    body, _ = bd.make_exporter().from_notebook_node(nb)
    assert note.replace("'", '&#39;') in body or note in body, body[-1500:]
    assert 'widget-view' not in body

def test_math_becomes_mathml_outside_code():
    from bs4 import BeautifulSoup
    soup = BeautifulSoup(r'<p>std $\sqrt{2/\text{fan\_in}}$, costs <code>$x$</code></p><p>$$\frac{e^{x_i}}{\sum_j e^{x_j}}$$</p>'
                         r'<pre>echo $HOME $PATH</pre><p>set $DL_FOUNDATIONS_DATA (a folder) or not</p>', 'html.parser')
    assert bd.render_math(soup) == []
    maths = soup.find_all('math')
    assert [m['display'] for m in maths] == ['inline', 'block'], soup
    assert 'fan_in' in maths[0].get_text() and '\\_' not in maths[0].get_text()
    assert soup.code.get_text() == '$x$' and soup.pre.get_text() == 'echo $HOME $PATH', 'TeX was converted inside code'
    assert '$DL_FOUNDATIONS_DATA' in soup.get_text(), 'a lone $ was taken for math'

def test_classes_render_as_classes():
    from dl_foundations._showdoc import ClassAwareRenderer
    from dl_foundations.learner import Callback, CancelBatchException
    from dl_foundations.learner import Learner
    from dl_foundations.norm import BatchNormFunction
    def sig(o): return ClassAwareRenderer(o)._repr_markdown_()
    assert 'class Callback():' in sig(Callback), sig(Callback)
    for cls in (CancelBatchException, BatchNormFunction):
        md = sig(cls)
        assert f'class {cls.__name__}:' in md and '*args' not in md and 'Bases: ' in md, md
    md = sig(Learner)
    assert md.count('class Learner(') == 1 and 'loss_func' in md and 'NoneType' not in md, md
    assert '`' not in md.split('```python')[1].split('```')[0], 'backticks inside the signature code block'

def test_properties_render_as_properties():
    from dl_foundations._showdoc import ClassAwareRenderer
    from dl_foundations.learner import Learner, Recorder
    md = ClassAwareRenderer(Recorder.lrs)._repr_markdown_()
    assert '### Recorder.lrs' in md and '@property\ndef lrs(self) -> list[float]:' in md and 'setter' not in md, md
    md = ClassAwareRenderer(Learner.lr)._repr_markdown_()
    assert '@property\ndef lr(self) -> float:\n@lr.setter\ndef lr(self, value:float | list):' in md, md

def test_source_link_is_plain_html():
    "The source link is an HTML element that JupyterLab, GitHub and both docs builds render, not Quarto's `{target=...}` attributes."
    from nbdev.config import get_config
    from nbdev.showdoc import show_doc
    from dl_foundations._showdoc import ClassAwareRenderer
    from dl_foundations.learner import Learner
    assert get_config().get('renderer') == 'dl_foundations._showdoc.ClassAwareRenderer', 'settings.ini should name the renderer'
    r = show_doc(Learner.fit)
    assert isinstance(r, ClassAwareRenderer), type(r)
    md = r._repr_markdown_()
    assert '{target=' not in md, md
    link = re.search(r'<a href="(https://github.com/[^"]+/learner.py#L(\d+))" target="_blank" style="float:right; font-size:smaller">source</a>', md)
    assert link, md
    line = (ROOT/'dl_foundations'/'learner.py').read_text().splitlines()[int(link.group(2)) - 1]
    assert 'def fit(' in line, f'the source link points at line {link.group(2)}: {line!r}'

# ---------------------------------------------------------------------------- in a real browser

@pytest.fixture(scope='session')
def chromium():
    from browser import find_chromium
    exe = find_chromium()
    if not exe:
        subprocess.run(['bash', str(ROOT/'tools'/'install_chromium.sh')], capture_output=True, text=True)
        exe = find_chromium()
    if not exe:
        msg = 'chromium is not installed and tools/install_chromium.sh could not install it (needs root or sudo and apt)'
        if os.environ.get('CI') or os.environ.get('DL_FOUNDATIONS_REQUIRE_BROWSER'): pytest.fail(msg)
        pytest.skip(msg)
    return exe

def screenshot_pages(site) -> dict:
    """What to screenshot: the home page's first screen, the first lesson with math and a figure at its first
    formula's paragraph, and the last lesson with a figure at its first figure. {page: (png, selector)}"""
    pages = [p for p in site['pages'] if p['page'] != 'index.html']
    with_figures = [p['page'] for p in pages if p['images'] > 0]
    first = next((p['page'] for p in pages if p['images'] > 0 and '<math' in (OUT/p['page']).read_text(encoding='utf-8')),
                 with_figures[0] if with_figures else pages[0]['page'])
    last = next((p for p in reversed(with_figures) if p != first), pages[-1]['page'])
    return {'index.html': (SHOTS/'index.png', None),
            first: (SHOTS/(Path(first).stem + '.png'), '.text_cell_render p:has(math)'),
            last: (SHOTS/(Path(last).stem + '.png'), '.output_area img')}

@pytest.fixture(scope='session')
def rendered(request, site, chromium):
    "Every page as Chromium rendered it (tools/docs_audit.py's counts and examples), with screenshots saved."
    os.environ['CHROMIUM'] = chromium
    if SHOTS.exists(): shutil.rmtree(SHOTS)
    shots = screenshot_pages(site)
    res = audit_tools.audit(OUT, ROOT/bd.settings(ROOT)['lib_path'], examples=40, screenshots=shots)
    res['screenshots'] = {page: png for page, (png, _) in shots.items()}
    capture = request.config.pluginmanager.getplugin('capturemanager')
    def report():  # at the session's end, before pytest's summary line (which must stay the run's last line)
        line = '\ndocs screenshots (what the browser showed): ' + ', '.join(str(p) for p in res['screenshots'].values())
        if capture is None: print(line); return
        with capture.global_and_fixture_disabled(): print(line)
    request.addfinalizer(report)
    return res

def no_problem(res, key, what):
    n = res['counts'].get(key, 0)
    assert n == 0, f'{n} {what} in the rendered pages:\n  ' + '\n  '.join(res['examples'].get(key, []))

def test_browser_no_unrendered_tex(rendered):
    no_problem(rendered, 'raw TeX formulas', 'TeX formulas shown as source')

def test_browser_math_is_rendered(rendered):
    widths = {p: d['maths'] for p, d in rendered['dom'].items() if d['maths']}
    assert widths, 'no page has rendered math (MathML): the build converted no $...$ formula'
    flat = [f'{p}: formula {i} is {w:.0f} px wide' for p, ws in widths.items() for i, w in enumerate(ws) if w < 1]
    assert not flat, 'MathML that the browser laid out with no width:\n' + '\n'.join(flat)

def test_browser_no_markdown_link_syntax(rendered):
    no_problem(rendered, 'Markdown link syntax shown as text', 'Markdown links shown as text ([x](url))')

def test_browser_no_machine_paths(rendered):
    no_problem(rendered, 'absolute machine paths', 'absolute paths of the build machine in prose or outputs')

def test_browser_no_raw_reprs(rendered):
    no_problem(rendered, 'raw dict/Axes/object reprs in outputs', 'raw dict/Axes/object reprs')

def test_browser_no_class_with_args_kwargs(rendered):
    no_problem(rendered, 'classes shown as *args, **kwargs', 'classes shown with a *args, **kwargs signature')

def test_browser_every_image_loaded(rendered):
    no_problem(rendered, 'images that did not load', 'images that did not load')
    for page, d in rendered['dom'].items():
        assert d['figures'] is not None, f'{page}: the page script did not run (no data-figures)'
        assert int(d['figures']) == len(d['imgs']), f'{page}: {d["figures"]} of {len(d["imgs"])} images rendered'

def test_browser_every_notebook_has_its_page_and_sidebar_entry(site, rendered):
    pages = [p['page'] for p in site['pages']]
    for p in site['pages']:
        d = rendered['dom'].get(p['page'])
        assert d is not None, f'{p["notebook"]}: its page {p["page"]} was not rendered'
        assert d['h1'].strip() == p['title'] and p['title'] in d['title'], f'{p["page"]}: title {d["title"]!r}, heading {d["h1"]!r}'
        targets = [h.split('#')[0] for h in d['nav']]
        missing = [q for q in pages if bd.relpath(q, p['page']) not in targets]
        assert not missing, f'{p["page"]}: the sidebar has no entry for {missing}'

def test_browser_nothing_cut_off(rendered):
    for key in ('signatures cut off (wider than their box)', 'output blocks cut off (wider than their box)',
                'code blocks wider than their box', 'pages wider than the window'):
        no_problem(rendered, key, key)

def test_browser_figures_legible(rendered):
    key = next(k for k in rendered['counts'] if k.startswith('figures with tick labels under'))
    no_problem(rendered, key, key)

def test_browser_reader_details(rendered):
    "No duplicate TOC entries or sidebar numbers, no frozen progress bar, no backticks in a subtitle, no 27-digit float."
    for key in ('duplicate table-of-contents entries', 'duplicate sidebar numbers', 'frozen progress bars',
                'backticks in the subtitle', 'absurd float outputs (13+ digits)'):
        no_problem(rendered, key, key)

def test_every_public_method_has_an_entry(rendered):
    "Each public method a user calls (tools/docs_audit.py says which) has its show_doc entry: show_doc(Class.method)."
    c = rendered['counts']
    assert c['public methods documented'] == c['public methods'], (
        f'{c["public methods"] - c["public methods documented"]} of {c["public methods"]} public methods have no show_doc entry '
        '(add show_doc(Class.method) under the class):\n  ' + ', '.join(rendered['examples'].get('public methods without an entry', [])))

def test_every_public_property_has_an_entry(rendered):
    "Each public property (tools/docs_audit.py says which) has its show_doc entry, as a method does: show_doc(Class.prop)."
    c = rendered['counts']
    assert c['public properties documented'] == c['public properties'], (
        f'{c["public properties"] - c["public properties documented"]} of {c["public properties"]} public properties have no show_doc entry '
        '(add show_doc(Class.prop) under the class):\n  ' + ', '.join(rendered['examples'].get('public properties without an entry', [])))

def test_every_exported_constant_is_described(rendered):
    no_problem(rendered, 'exported constants named in no prose or output',
               'exported constants that no sentence of the site names (describe each where it is defined)')

def test_browser_screenshots_kept(rendered):
    for page, png in rendered['screenshots'].items():
        assert png.is_file() and png.stat().st_size > 10_000, f'no screenshot of {page} at {png}'
        assert png.read_bytes()[:8] == b'\x89PNG\r\n\x1a\n', f'{png} is not a PNG'

def test_browser_search_finds_a_section(site, chromium):
    from browser import Chromium
    sym = next((n for _, n, kind, _, page in exported_symbols() if kind == 'def' and page == 'learner.html'), 'Learner')
    with Chromium(chromium) as browser:
        tab = browser.open(OUT/'index.html')
        hits = tab.evaluate(f"""(() => {{ const box = document.getElementById('search');
            box.value = {json.dumps(sym)}; box.dispatchEvent(new Event('input'));
            return [...document.querySelectorAll('#search-results li a')].map(a => a.getAttribute('href')); }})()""")
    assert hits, f'searching the home page for {sym!r} found nothing'
    assert any(os.path.normpath(h.split('#')[0]) == 'learner.html' for h in hits), f'searching for {sym!r} did not find learner.html: {hits}'

def test_explorers_show_their_static_figure():
    "An explorer's output carries the live widget, a PNG and a text note: a static page shows the PNG."
    import nbformat
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell('Explorer(draw_schedule, pct=(0.1, 0.9, 0.1))')
    png = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=='
    note = 'An explorer of draw_schedule (pct): run the notebook in Jupyter to move its controls.'
    cell.outputs = [nbformat.v4.new_output('display_data', data={
        'application/vnd.jupyter.widget-view+json': {'model_id': 'abc', 'version_major': 2, 'version_minor': 0},
        'image/png': png, 'text/plain': note})]
    nb.cells = [cell]
    bd.prepare_notebook(nb)
    body, _ = bd.make_exporter().from_notebook_node(nb)
    assert re.search(r'<img[^>]+src="[^"]+\.png"', body) or f'base64,{png}' in body, body[-1500:]  # the figure, as every figure
    assert 'widget-view' not in body and note not in body
