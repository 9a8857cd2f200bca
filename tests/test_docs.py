"""The offline documentation site (tools/build_docs.py) is complete, linked and renders in a real browser.

`make test` builds the site (tools/build_docs.py) before pytest; the `site` fixture reuses that build when its
manifest fingerprint matches the current sources, and otherwise runs tools/build_docs.py once per session,
so `pytest tests/test_docs.py` also works alone. The browser test needs Debian's chromium
(tools/install_chromium.sh); it skips only if chromium cannot be installed, and fails instead when
CI or DL_FOUNDATIONS_REQUIRE_BROWSER is set.
"""
import ast, base64, importlib.util, json, os, re, shutil, subprocess, sys, tempfile
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT/'_docs_offline'

def _load_build_docs():
    spec = importlib.util.spec_from_file_location('build_docs', ROOT/'tools'/'build_docs.py')
    mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod)
    return mod

bd = _load_build_docs()

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
        tree = ast.parse(py.read_text(encoding='utf-8'))
        names = next((ast.literal_eval(n.value) for n in tree.body if isinstance(n, ast.Assign)
                      and any(getattr(t, 'id', '') == '__all__' for t in n.targets)), [])
        defs = {n.name: n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}
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
                broken.append(f'{p["page"]}: {url} (no element with id {frag!r})')
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

def find_chromium():
    for b in (os.environ.get('CHROMIUM'), 'chromium', 'chromium-browser', 'google-chrome'):
        if b and shutil.which(b): return shutil.which(b)

@pytest.fixture(scope='session')
def chromium():
    exe = find_chromium()
    if not exe:
        subprocess.run(['bash', str(ROOT/'tools'/'install_chromium.sh')], capture_output=True, text=True)
        exe = find_chromium()
    if not exe:
        msg = 'chromium is not installed and tools/install_chromium.sh could not install it (needs root or sudo and apt)'
        if os.environ.get('CI') or os.environ.get('DL_FOUNDATIONS_REQUIRE_BROWSER'): pytest.fail(msg)
        pytest.skip(msg)
    return exe

def dump_dom(exe, page:Path) -> str:
    with tempfile.TemporaryDirectory() as profile:
        cmd = [exe, '--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run',
               '--disable-background-networking', '--disable-component-update', '--disable-sync',
               f'--user-data-dir={profile}', '--virtual-time-budget=10000', '--dump-dom', page.resolve().as_uri()]
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0 and '<body' in res.stdout, f'chromium failed on {page}:\n{res.stderr[-2000:]}'
    return res.stdout

def test_browser_renders_home_and_a_lesson(site, chromium):
    from bs4 import BeautifulSoup
    lessons = [p for p in site['pages'] if p['page'] != 'index.html' and p['images'] > 0]
    assert lessons, 'no lesson page has a figure (an image output) to check'
    home = next(p for p in site['pages'] if p['page'] == 'index.html')
    for p, min_figures in ((home, 0), (lessons[0], 1)):
        dom = BeautifulSoup(dump_dom(chromium, OUT/p['page']), 'html.parser')
        assert p['title'] in dom.title.get_text(), f'{p["page"]}: title {dom.title!r}'
        assert dom.find('h1', class_='title').get_text(strip=True) == p['title']
        nav = dom.select('#sidebar a')
        assert len(nav) == len(site['pages']) and dom.select_one('#navbar a.brand'), f'{p["page"]}: navigation missing'
        figures = dom.body.get('data-figures')
        assert figures is not None, f'{p["page"]}: the page script did not run (no data-figures)'
        assert int(figures) >= min_figures, f'{p["page"]}: {figures} of {dom.body.get("data-images")} images rendered'
