#!/usr/bin/env python
"""Offline documentation build: the processed notebooks as a static HTML site, without Quarto.

    .venv/bin/python tools/build_docs.py             # nbdev's processing into _proc/, then HTML pages into _docs_offline/
    .venv/bin/python tools/build_docs.py --no-proc   # reuse _proc/ as it is (no notebook code runs)
    .venv/bin/python tools/build_docs.py --proc-only # only _proc/, e.g. for Quarto (the published site, same renderer)

The published site is Quarto's (`nbdev_docs`, run by .github/workflows/deploy.yaml). Quarto cannot be
installed without internet, so this build is the documentation CI can make and check offline
(tests/test_docs.py does, in a real browser too). It renders what Quarto would render: nbdev's processed
notebooks in `_proc/`, with the `show_doc` output (signature and docstring) of every exported symbol.

What the reader gets, and how:
- nbdev's processing (`proc_nbs`, what `nbdev_docs` renders) runs in a child process; show_doc uses the renderer
  settings.ini names (dl_foundations/_showdoc.py, the one the notebooks use in Jupyter too), so classes show as
  `class Name(<constructor parameters>):` (never `def Callback(*args, **kwargs):`), properties as properties, the
  source link as an HTML link, and signatures carry no Markdown link syntax;
- math in Markdown (`$...$`, `$$...$$`, not in code) is converted at build time to MathML with latex2mathml
  (a PyPI package pinned in requirements/constraints.txt), which Chromium and Firefox render natively:
  no MathJax, no CDN, no network;
- output lines and signatures wrap (`white-space: pre-wrap`), none is cut off at the column edge;
- the content column is as wide as the window allows (the table of contents moves out below 1440 px), output
  figures are shown at natural size where the column allows, and each links to its full-size image;
- a search box (search.js) over `search_index.js`, an index of every section built at build time (a script,
  not JSON, so it also loads from file://);
- `record_figure` outputs show their Markdown line (never the JSON record beside it), progress bars (a live
  widget, frozen on a static page) are left out, and an ipywidgets widget shows its output's text version (it
  cannot be drawn without a kernel);

The site in `_docs_offline/` (git-ignored) browses from file://:
- one page per notebook in nbs/, named as Quarto names it (`00_course.ipynb` -> `course.html`,
  `index.ipynb` -> `index.html`), each with a title, a navigation bar, a sidebar linking every page
  (home first) and a table of contents;
- links are page-relative: links between notebooks (`03_data.ipynb`) point at their pages, and nbdev's
  links to the published site (`https://<doc_host><doc_baseurl>/course.html#record_figure`) at the local
  page; heading ids follow Pandoc's rules, as on the Quarto site, so those anchors land;
- output images are written as files beside the pages (`<page>_files/`), images the markdown refers to
  are copied from nbs/;
- an inline script sets `<body data-figures="N">` after load to the number of images that really
  rendered (naturalWidth > 0), so a headless browser's dumped DOM can prove a figure is on screen;
- `manifest.json` lists notebook -> page -> title and a fingerprint of the sources it was built from.
"""
from __future__ import annotations

import argparse, configparser, hashlib, html, json, os, re, shutil, subprocess, sys, tempfile, time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT_NAME = '_docs_offline'

# ---------------------------------------------------------------------------- settings and sources

def settings(root:Path=ROOT) -> dict:
    "The [DEFAULT] section of settings.ini, with the values this build needs."
    cp = configparser.ConfigParser(interpolation=None)
    cp.read(root/'settings.ini', encoding='utf-8')
    d = dict(cp['DEFAULT'])
    d.setdefault('nbs_path', 'nbs'); d.setdefault('lib_path', d.get('lib_name', ''))
    d.setdefault('title', d.get('lib_name', 'docs'))
    d['doc_url'] = (d.get('doc_host', '').rstrip('/') + '/' + d.get('doc_baseurl', '').strip('/')).rstrip('/') + '/'
    return d

def documented_notebooks(nbs:Path) -> list[Path]:
    "Notebooks nbdev documents: nbs/**/*.ipynb minus files and folders whose names start with `_` or `.`; index first."
    found = [p for p in nbs.rglob('*.ipynb')
             if not any(part.startswith(('_', '.')) for part in p.relative_to(nbs).parts)]
    return sorted(found, key=lambda p: (p.relative_to(nbs).parent.parts, p.name != 'index.ipynb', p.name))

def source_fingerprint(root:Path=ROOT) -> str:
    "A hash of everything the site is built from, so a test can tell whether a build is current."
    cfg = settings(root)
    nbs, lib = root/cfg['nbs_path'], root/cfg['lib_path']
    files = [root/'settings.ini', Path(__file__).resolve(), *documented_notebooks(nbs), *sorted(lib.glob('*.py'))]
    h = hashlib.sha256()
    for f in files:
        h.update(str(f.relative_to(root)).encode() + b'\0')
        h.update(f.read_bytes() if f.exists() else b'')
    return h.hexdigest()

def page_name(nb_rel:Path) -> str:
    "The page nbdev/Quarto makes from a notebook path (nbdev's `_nbpath2html`): '00_course.ipynb' -> 'course.html'."
    return nb_rel.with_name(re.sub(r'^\d+[a-zA-Z0-9]*_', '', nb_rel.name.lower())).with_suffix('.html').as_posix()

# ---------------------------------------------------------------------------- step 1: nbdev_proc_nbs

def run_proc_nbs(root:Path, nbs:Path, force:bool=True):
    """Run nbdev's own processing (what Quarto renders) into `_proc/`, in a child process; show_doc renders with
    the renderer settings.ini names (dl_foundations/_showdoc.py: classes as classes, plain-text parameter comments).

    This is `nbdev_proc_nbs` minus what an offline build must not do: it never looks for Quarto (when `quarto` is
    not on PATH, nbdev_proc_nbs tries to download and install it, then runs `pip install -e` outside the venv),
    never rewrites nbs/sidebar.yml, nbs/nbdev.yml or the package's _modidx.py, and runs the notebooks one after
    the other in one process (`n_workers=0`).
    `force` (the default) re-processes every notebook, so the result never depends on a stale `_proc/`."""
    env = {**os.environ, 'MPLBACKEND': 'Agg', 'PYTHONWARNINGS': os.environ.get('PYTHONWARNINGS', 'ignore::UserWarning')}
    res = subprocess.run([sys.executable, str(Path(__file__).resolve()), '--proc-child', str(nbs)] + (['--force'] if force else []),
                         cwd=root, env=env)
    if res.returncode:
        sys.exit(f'build_docs: processing the notebooks failed (exit {res.returncode}): a notebook\'s export, import or '
                 'show_doc cells raised; see the error above. nbdev executes those cells (and every cell that contains '
                 'an import, without the cells before it) to render show_doc: keep imports in the imports cell.')

def mixed_import_cells(nbs:Path) -> list[str]:
    """Code cells that import and also do something else, outside `#| export`: nbdev runs every cell with an import
    while it renders the docs (to make show_doc work), so such a cell runs there without the cells before it
    (a NameError breaks the build, here and in nbdev_docs) and runs its tests a second time. One line per cell."""
    import ast, nbformat
    found = []
    for nb_path in documented_notebooks(nbs):
        nb = nbformat.read(nb_path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type != 'code': continue
            opts, src = split_directives(cell.source)
            if {'export', 'exports', 'exporti', 'exec_doc'} & set(opts) or str(opts.get('eval', '')).lower() == 'false': continue
            try: tree = ast.parse('\n'.join(l for l in src.splitlines() if not l.lstrip().startswith(('%', '!'))))
            except SyntaxError: continue
            nodes = list(ast.walk(tree))
            if any(isinstance(n, (ast.Import, ast.ImportFrom)) for n in nodes) and any(isinstance(n, (ast.Expr, ast.Assign)) for n in nodes):
                first = next((l for l in src.splitlines() if l.strip()), '')[:60]
                found.append(f'{nb_path.relative_to(nbs)} cell {cell.get("id", "?")} ({first!r})')
    return found

def _proc_child(nbs:Path, force:bool):
    "In the child process: nbdev's `proc_nbs` with no worker processes."
    for c in mixed_import_cells(nbs):
        print(f'build_docs: {c} imports and runs other code: nbdev runs it, alone, while rendering the docs; '
              'move its imports into the notebook\'s imports cell')
    from nbdev.serve import proc_nbs
    proc_nbs(str(nbs), n_workers=0, force=force)

# ---------------------------------------------------------------------------- step 2: notebook -> HTML

_DIRECTIVE = re.compile(r'^\s*#\s*\|\s?(.*)$')

def split_directives(source:str) -> tuple[dict, str]:
    "Quarto/nbdev `#| key: value` lines at the top of a code cell -> (options, the rest of the source)."
    lines, opts = source.splitlines(), {}
    i = 0
    while i < len(lines) and (_DIRECTIVE.match(lines[i]) or not lines[i].strip()):
        m = _DIRECTIVE.match(lines[i])
        if m:
            key, _, val = m.group(1).partition(':')
            opts[key.strip()] = val.strip().lower() if val.strip() else True
        i += 1
    return opts, '\n'.join(lines[i:])

def _false(v) -> bool: return str(v).lower() in ('false', 'no', '0')

_ATTR_LINK = re.compile(r'\[([^\]\n]+)\]\(([^)\s]+)\)\{([^}\n]*)\}')
_FENCE_OPEN = re.compile(r'^\s*:::+\s*\{?([^}]*?)\}?\s*$')

def _pandoc_attrs(attrs:str) -> str:
    "Pandoc attributes `{.cls #id key=\"v\"}` as HTML attributes."
    classes, out = [], []
    for tok in re.findall(r'[\w-]+="[^"]*"|[\w-]+=\S+|\.[\w-]+|#[\w-]+', attrs):
        if tok.startswith('.'): classes.append(tok[1:])
        elif tok.startswith('#'): out.append(f'id="{html.escape(tok[1:])}"')
        else:
            k, _, v = tok.partition('=')
            out.append(f'{k}="{html.escape(v.strip(chr(34)))}"')
    if classes: out.insert(0, f'class="{" ".join(classes)}"')
    return ' '.join(out)

def quarto_markdown(md:str) -> str:
    "Turn the bits of Quarto markdown that plain Markdown lacks into HTML: `[a](u){attrs}` links, `:::` divs."
    md = _ATTR_LINK.sub(lambda m: f'<a href="{html.escape(m.group(2))}" {_pandoc_attrs(m.group(3))}>{m.group(1)}</a>', md)
    if ':::' not in md: return md
    out, in_code = [], False
    for line in md.splitlines():
        if line.lstrip().startswith(('```', '~~~')): in_code = not in_code
        m = None if in_code else _FENCE_OPEN.match(line)
        if m and m.group(1).strip():  # an opening fence: ::: {.callout-note} or ::: callout-note
            spec = m.group(1).strip()
            classes = ' '.join(c.lstrip('.') for c in spec.split() if '=' not in c and not c.startswith('#'))
            out += [f'<div class="{html.escape(classes)} fenced-div">', '']
        elif m: out += ['', '</div>']
        else: out.append(line)
    return '\n'.join(out)

RECORD_MIME_PREFIX = 'application/vnd.dl-foundations.'  # record_figure's FIGURE_MIME and any later record type
# A live widget (ipywidgets): drawn by Jupyter from a running kernel. A static page has neither the kernel nor the
# widget scripts, so it shows the output's text version instead (lesson 01's button writes one that says what it is).
WIDGET_MIME = 'application/vnd.jupyter.widget-view+json'

def _text(v) -> str: return ''.join(v) if isinstance(v, list) else str(v or '')

_PROGRESS = re.compile(r'<progress\b[^>]*>.*?</progress>\s*(?:[\d.]+%\s*\[[^\]<]*(?:&lt;|<)?[^\]]*\])?', flags=re.S)

def drop_progress_bars(outputs:list) -> list:
    """Outputs without fastprogress bars: a bar is a live widget, frozen on a static page at whatever step the run
    saved it (`0/5`). An output that is only a bar is dropped; around other HTML (a metrics table) the bar is cut out."""
    kept = []
    for out in outputs:
        data = out.get('data', {}) if out.get('output_type') in ('display_data', 'execute_result') else {}
        html_ = _text(data.get('text/html', ''))
        if '<progress' in html_:
            rest = _PROGRESS.sub('', html_)
            if not re.sub(r'<[^>]+>|&nbsp;|\s', '', rest): continue
            data['text/html'] = rest
        kept.append(out)
    return kept

def prepare_notebook(nb) -> dict:
    "Apply Quarto's cell options to a processed notebook in place; return its frontmatter."
    import yaml
    front, cells = {}, []
    for cell in nb.cells:
        if cell.cell_type == 'raw':
            m = re.match(r'^\s*---\s*\n(.*?)\n---\s*$', cell.source, flags=re.S)
            if m and not front:
                front = yaml.safe_load(m.group(1)) or {}
                continue
        if cell.cell_type == 'markdown':
            cell.source = quarto_markdown(cell.source)
            if not cell.source.strip() or cell.source.strip().startswith('<!-- WARNING: THIS FILE WAS AUTOGENERATED'):
                continue
        if cell.cell_type == 'code':
            opts, src = split_directives(cell.source)
            if _false(opts.get('include', True)): continue
            cell.source = src
            if _false(opts.get('output', True)): cell.outputs = []
            if _false(opts.get('echo', True)) or not src.strip():
                cell.metadata.setdefault('transient', {})['remove_source'] = True
            if cell.get('outputs'): cell.outputs = drop_progress_bars(cell.outputs)
            for out in cell.get('outputs', []):
                data = out.get('data', {})
                for mime in [m for m in data if m.startswith(RECORD_MIME_PREFIX)]:
                    del data[mime]  # record_figure's JSON record: data for the tables, not for the reader
                if WIDGET_MIME in data and ({'text/html', 'text/plain'} & set(data)): del data[WIDGET_MIME]
                if 'text/markdown' in data: data['text/markdown'] = quarto_markdown(data['text/markdown'])
            if not cell.get('outputs') and cell.metadata.get('transient', {}).get('remove_source'): continue
        cells.append(cell)
    nb.cells = cells
    return front

def make_exporter():
    from traitlets.config import Config
    from nbconvert import HTMLExporter
    c = Config()
    c.HTMLExporter.template_name = 'basic'
    c.HTMLExporter.exclude_input_prompt = True
    c.HTMLExporter.exclude_output_prompt = True
    c.ExtractOutputPreprocessor.enabled = True  # output images as files beside the page
    return HTMLExporter(config=c)

# ---------------------------------------------------------------------------- step 3: the page

def pandoc_id(text:str, taken:set) -> str:
    "Pandoc's auto_identifiers (what Quarto uses): lower case, keep alphanumerics, `_-.`, spaces -> `-`."
    s = re.sub(r'[^\w\s.-]', '', text, flags=re.UNICODE).strip().lower()
    s = re.sub(r'\s+', '-', s)
    s = re.sub(r'^[^a-z]+', '', s) or 'section'
    base, i = s, 0
    while s in taken: i += 1; s = f'{base}-{i}'
    taken.add(s)
    return s

def relpath(target:str, page:str) -> str:
    "`target` (site-root relative) as seen from `page` (site-root relative)."
    return os.path.relpath(target, os.path.dirname(page) or '.').replace(os.sep, '/')

def postprocess(body:str, page:str, nb_rel:Path, pages_by_nb:dict, cfg:dict, nbs:Path, out:Path, title:str='') -> tuple[str, list, list]:
    "Pandoc-style heading ids, local links, copied images, MathML; returns (html, table of contents, search entries)."
    from bs4 import BeautifulSoup
    soup = BeautifulSoup(body, 'html.parser')
    taken, toc = set(), []
    for h in soup.find_all(re.compile(r'^h[1-6]$')):
        for a in h.find_all('a', class_='anchor-link'): a.decompose()
        new_id = pandoc_id(h.get_text(' ', strip=True), taken)
        h['id'] = new_id
        a = soup.new_tag('a', href=f'#{new_id}', attrs={'class': 'anchor-link'}); a.string = '¶'
        h.append(a)
        api = h.find_parent(class_='output_markdown') is not None  # a show_doc entry, not a prose heading
        if h.name in ('h2', 'h3'): toc.append((h.name + (' api' if api else ''), new_id, h.get_text(' ', strip=True).rstrip('¶ ')))
    # The table of contents: a show_doc entry named like the prose section it sits in ("LayerNorm" under
    # "LayerNorm") is listed once, as the section.
    prose_titles = {t for lvl, _, t in toc if 'api' not in lvl}
    toc = [e for e in toc if 'api' not in e[0] or e[2] not in prose_titles]
    mark_signatures(soup)
    math_failures = render_math(soup)
    for f in math_failures: print(f'build_docs: {page}: could not convert the TeX {f!r} (left as text)')
    link_figures(soup)
    doc_url = cfg['doc_url']
    for tag, attr in (('a', 'href'), ('img', 'src'), ('link', 'href'), ('source', 'src')):
        for el in soup.find_all(tag):
            url = el.get(attr)
            if not url or url.startswith(('#', 'data:', 'mailto:', 'javascript:')): continue
            if doc_url != '/' and url.startswith(doc_url):  # nbdev's links into the published site
                el[attr] = relpath(url[len(doc_url):] or 'index.html', page); continue
            if re.match(r'^[a-z][a-z0-9+.-]*:', url, flags=re.I) or url.startswith('/'): continue
            path, _, frag = url.partition('#')
            if path.endswith('.ipynb'):  # a link to another notebook: its page
                target = os.path.normpath((nb_rel.parent/path).as_posix()).replace(os.sep, '/')
                if target in pages_by_nb:
                    el[attr] = relpath(pages_by_nb[target], page) + (f'#{frag}' if frag else '')
            elif tag == 'img' and path:  # an image the markdown refers to: copy it from nbs/
                src = nbs/nb_rel.parent/path
                dst = out/os.path.dirname(page)/path
                if src.is_file() and not dst.exists():
                    dst.parent.mkdir(parents=True, exist_ok=True); shutil.copy2(src, dst)
    return str(soup), toc, search_entries(soup, page, title)

def mark_signatures(soup):
    "Classes for show_doc entries: `doc-entry` on the output, `doc-signature` on the code block under its heading."
    for md in soup.select('.output_markdown'):
        h = md.find(re.compile(r'^h[2-4]$'))
        if not h: continue
        md['class'] = md.get('class', []) + ['doc-entry']
        sig = h.find_next_sibling(class_='highlight') or h.find_next_sibling('pre')
        if sig is not None: sig['class'] = sig.get('class', []) + ['doc-signature']

MATH_SKIP = {'pre', 'code', 'script', 'style', 'math', 'textarea', 'kbd', 'samp'}
_DISPLAY_MATH = re.compile(r'\$\$(.+?)\$\$', flags=re.S)
_INLINE_MATH = re.compile(r'(?<![\\$\w])\$(?=\S)([^$\n]+?)(?<=[^\s\\])\$(?![\w$])')

def tex_to_mathml(tex:str, display:bool) -> str:
    "MathML for a TeX formula (latex2mathml), with the escapes Markdown needs in text (fan\\_in) undone."
    from latex2mathml.converter import convert
    tex = re.sub(r'\\(text|textrm|mathrm|operatorname|texttt)\{([^{}]*)\}',
                 lambda m: '\\' + m.group(1) + '{' + m.group(2).replace('\\_', '_') + '}', tex)
    return convert(tex.strip(), display='block' if display else 'inline')

def render_math(soup) -> list:
    "Replace `$$...$$` and `$...$` in the page's text (not in code) by MathML; returns the formulas that failed."
    from bs4 import BeautifulSoup, NavigableString
    failures = []
    for node in list(soup.find_all(string=True)):
        if '$' not in node or type(node) is not NavigableString: continue
        if any(p.name in MATH_SKIP for p in node.parents): continue
        pieces, text, pos = [], str(node), 0
        for m in sorted([(m, True) for m in _DISPLAY_MATH.finditer(text)] +
                        [(m, False) for m in _INLINE_MATH.finditer(_DISPLAY_MATH.sub(lambda x: ' ' * len(x.group()), text))],
                        key=lambda t: t[0].start()):
            mt, display = m
            if mt.start() < pos: continue
            try: mathml = tex_to_mathml(mt.group(1), display)
            except Exception: failures.append(mt.group()); continue
            pieces += [text[pos:mt.start()], (mathml, mt.group(1).strip())]
            pos = mt.end()
        if not pieces: continue
        pieces.append(text[pos:])
        new = []
        for p in pieces:
            if isinstance(p, str):
                if p: new.append(NavigableString(p))
            else:
                el = BeautifulSoup(p[0], 'html.parser').find('math')
                el['alttext'] = p[1]
                new.append(el)
        node.replace_with(*new)
    return failures

def link_figures(soup):
    "Each output image links to its full-size file (a figure wider than the column is shown scaled down)."
    for img in soup.select('.output_area img'):
        src = img.get('src', '')
        if not src or img.find_parent('a') is not None: continue
        a = soup.new_tag('a', href=src, attrs={'class': 'figure-link', 'title': 'open the figure at full size'})
        img.wrap(a)

def search_entries(soup, page:str, page_title:str) -> list:
    "The page split at its headings into search-index entries: {page, id, title, section, text}."
    heads = soup.find_all(re.compile(r'^h[1-4]$'))
    skip = {id(x) for h in heads for x in h.find_all(string=True)}
    skip |= {id(x) for el in soup.select('.input_area, script, style, math') for x in el.find_all(string=True)}
    entries, cur = [], dict(page=page, id='', title=page_title, section='', text=[])
    from bs4 import Tag, NavigableString
    for el in soup.descendants:
        if isinstance(el, Tag) and re.match(r'^h[1-4]$', el.name or ''):
            entries.append(cur)
            cur = dict(page=page, id=el.get('id', ''), title=page_title,
                       section=el.get_text(' ', strip=True).rstrip('¶ ').strip(), text=[])
        elif isinstance(el, NavigableString) and id(el) not in skip and type(el) is NavigableString:
            cur['text'].append(str(el))
    entries.append(cur)
    out = []
    for e in entries:
        e['text'] = re.sub(r'\s+', ' ', ''.join(e['text'])).strip()[:1200]
        if e['text'] or e['section']: out.append(e)
    return out

CSS = """
:root { --accent: #2780e3; --ink: #212529; --muted: #6c757d; --line: #dee2e6; --code-bg: #f6f8fa; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--ink); }
a { color: var(--accent); text-decoration: none; } a:hover { text-decoration: underline; }
.navbar { position: sticky; top: 0; z-index: 10; display: flex; gap: 1.5rem; align-items: center; padding: .6rem 1.2rem;
  background: var(--accent); color: #fff; }
.navbar a { color: #fff; } .navbar .brand { font-weight: 600; font-size: 1.15rem; } .navbar .note { opacity: .8; font-size: .85rem; }
.layout { display: grid; grid-template-columns: 15rem minmax(0, 1fr) 13rem; gap: 2rem; max-width: 110rem; margin: 0 auto; padding: 0 1.2rem; }
.sidebar, .toc { position: sticky; top: 3.4rem; align-self: start; max-height: calc(100vh - 3.6rem); overflow-y: auto; padding: 1.2rem 0; font-size: .92rem; }
.sidebar ul, .toc ul { list-style: none; margin: 0; padding: 0; }
.sidebar li a { display: block; padding: .3rem .6rem; border-radius: .3rem; color: var(--ink); }
.sidebar li a:hover { background: #eef4fc; text-decoration: none; }
.sidebar li.active a { background: #e1ecfb; color: var(--accent); font-weight: 600; }
.sidebar .num { display: inline-block; min-width: 1.7rem; padding-right: 0.3rem; color: var(--muted); font-variant-numeric: tabular-nums; }
.toc h2 { font-size: .8rem; text-transform: uppercase; letter-spacing: .05em; color: var(--muted); margin: 0 0 .5rem; }
.toc li.h3 { padding-left: .8rem; } .toc a { color: var(--muted); display: block; padding: .15rem 0; }
main { min-width: 0; padding: 1.5rem 0 4rem; }
.page-header h1.title { margin: 0 0 .3rem; font-size: 2.1rem; }
.page-header .description { margin: 0 0 1.5rem; font-style: italic; font-size: 1.2rem; color: var(--muted); }
h2, h3, h4 { margin-top: 1.8rem; } .anchor-link { margin-left: .4rem; opacity: 0; font-size: .8em; } h2:hover .anchor-link, h3:hover .anchor-link, h4:hover .anchor-link { opacity: .6; }
pre, code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .88rem; }
code { background: var(--code-bg); padding: .1rem .25rem; border-radius: .2rem; }
/* Long lines wrap: nothing is cut off at the column edge, nothing needs a sideways scroll. */
pre { margin: 0; padding: .7rem .9rem; overflow-x: auto; white-space: pre-wrap; overflow-wrap: anywhere; background: var(--code-bg); border-radius: .3rem; }
pre code { background: none; padding: 0; }
.cell { margin: 0 0 1rem; }
.input_area .highlight, .input_area pre { background: var(--code-bg); border-radius: .3rem; }
.output_wrapper { margin-top: .25rem; }
.output_area pre, .output_stream pre, .output_text pre { background: none; border-left: 2px solid lightsalmon; border-radius: 0; margin-left: .8rem; padding: .3rem .8rem; }
.output_stderr pre { background: #fff5f5; }
/* Figures at natural size where the column allows, else scaled to the column; a click opens the full-size file. */
.output_area img { max-width: 100%; height: auto; display: block; }
.figure-link { display: inline-block; max-width: 100%; cursor: zoom-in; }
.text_cell_render { max-width: 54rem; }
math { font-size: 1.08em; } math[display=block] { margin: .8rem 0; overflow-x: auto; }
.toc li.api a { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .82rem; }
.search { position: relative; margin-left: auto; }
.search input { width: 18rem; padding: .3rem .6rem; border: 0; border-radius: .3rem; font: inherit; font-size: .9rem; }
.search ol { display: none; position: absolute; right: 0; top: 2.2rem; width: 30rem; max-height: 70vh; overflow-y: auto; margin: 0; padding: .3rem 0;
  list-style: none; background: #fff; color: var(--ink); border: 1px solid var(--line); border-radius: .3rem; box-shadow: 0 4px 16px rgba(0,0,0,.15); }
.search ol.open { display: block; } .search li a { display: block; padding: .4rem .8rem; color: var(--ink); }
.search li a:hover, .search li.current a { background: #eef4fc; text-decoration: none; }
.search .where { font-weight: 600; } .search .page { display: block; font-size: .78rem; color: var(--accent); }
.search .snippet { display: block; font-size: .82rem; color: var(--muted); }
.search mark { background: #fff3b0; color: inherit; } .search li.none { padding: .4rem .8rem; color: var(--muted); }
.output_markdown hr:first-child { border: 0; border-top: 1px solid var(--line); margin: 1.8rem 0 .4rem; }
.output_markdown h2, .output_markdown h3, .output_markdown h4 { margin-top: .2rem; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.output_markdown pre { background: var(--code-bg); border: 0; margin: 0 0 .6rem; }
.output_area table, .text_cell table { border-collapse: collapse; margin: .6rem 0; font-size: .92rem; }
th, td { border-bottom: 1px solid var(--line); padding: .35rem .7rem; text-align: left; vertical-align: top; }
thead th { border-bottom: 2px solid var(--line); }
blockquote { margin: .8rem 0; padding: .1rem 1rem; border-left: 3px solid var(--line); color: #495057; }
.fenced-div { margin: 1rem 0; padding: .6rem 1rem; border-left: 4px solid var(--accent); background: #f4f8fd; border-radius: .3rem; }
.callout-warning, .callout-caution { border-left-color: #ff7518; background: #fff8f1; }
.callout-important { border-left-color: #cc1914; background: #fdf3f2; }
.callout-tip { border-left-color: #3fb618; background: #f4fbf1; }
img { max-width: 100%; }
/* Below 1440 px the table of contents gives its room to the content column (figures, wide outputs). */
@media (max-width: 90rem) { .layout { grid-template-columns: 15rem minmax(0, 1fr); } .toc { display: none; } }
@media (max-width: 48rem) { .layout { display: block; } .sidebar { position: static; max-height: none; border-bottom: 1px solid var(--line); } }
"""

SEARCH_JS = r"""// Offline search over search_index.js (window.DOCS_SEARCH_INDEX: one entry per section of every page).
(function () {
  var box = document.getElementById('search'), list = document.getElementById('search-results');
  var index = window.DOCS_SEARCH_INDEX || [], root = (document.body.dataset.root || '.') + '/';
  if (!box || !list) return;
  function esc(s) { return s.replace(/[&<>"]/g, function (c) { return {'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;'}[c]; }); }
  function mark(s, terms) {
    var out = esc(s);
    terms.forEach(function (t) { out = out.replace(new RegExp('(' + t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') + ')', 'ig'), '<mark>$1</mark>'); });
    return out;
  }
  function search(q) {
    var terms = q.toLowerCase().split(/\s+/).filter(function (t) { return t.length > 1; });
    if (!terms.length) return [];
    var hits = [];
    index.forEach(function (e) {
      var head = (e.title + ' ' + e.section).toLowerCase(), body = e.text.toLowerCase(), score = 0;
      for (var i = 0; i < terms.length; i++) {
        var t = terms[i], inHead = head.indexOf(t) >= 0, at = body.indexOf(t);
        if (!inHead && at < 0) return;
        score += (inHead ? 10 : 0) + (at >= 0 ? 1 + Math.min(body.split(t).length - 2, 5) : 0);
      }
      hits.push({e: e, score: score});
    });
    hits.sort(function (a, b) { return b.score - a.score; });
    return hits.slice(0, 12).map(function (h) { return h.e; });
  }
  function snippet(text, terms) {
    var low = text.toLowerCase(), at = -1;
    for (var i = 0; i < terms.length && at < 0; i++) at = low.indexOf(terms[i]);
    var start = Math.max(0, at - 60);
    return (start > 0 ? '…' : '') + text.slice(start, start + 160) + (text.length > start + 160 ? '…' : '');
  }
  function show() {
    var q = box.value.trim(), terms = q.toLowerCase().split(/\s+/).filter(function (t) { return t.length > 1; });
    if (!q) { list.classList.remove('open'); list.innerHTML = ''; return; }
    var hits = search(q);
    list.innerHTML = hits.length ? hits.map(function (e, i) {
      var href = root + e.page + (e.id ? '#' + e.id : '');
      var section = e.section && e.section !== e.title ? e.section : e.title;
      return '<li' + (i === 0 ? ' class="current"' : '') + '><a href="' + esc(href) + '"><span class="where">' + mark(section, terms) +
        '</span><span class="page">' + esc(e.title) + '</span><span class="snippet">' + mark(snippet(e.text, terms), terms) + '</span></a></li>';
    }).join('') : '<li class="none">No section mentions all of: ' + esc(q) + '</li>';
    list.classList.add('open');
  }
  box.addEventListener('input', show);
  box.addEventListener('focus', show);
  box.addEventListener('keydown', function (ev) {
    if (ev.key === 'Enter') { var a = list.querySelector('li a'); if (a) window.location.href = a.getAttribute('href'); }
    if (ev.key === 'Escape') { box.value = ''; show(); }
  });
  document.addEventListener('click', function (ev) { if (!ev.target.closest('.search')) list.classList.remove('open'); });
  var q = new URLSearchParams(window.location.search).get('q');
  if (q) { box.value = q; show(); }
})();
"""

FIGURE_SCRIPT = """<script>
// After load: how many images really rendered (a headless browser's dumped DOM shows it as data-figures).
window.addEventListener('load', function () {
  var rendered = 0;
  for (var i = 0; i < document.images.length; i++) {
    var img = document.images[i];
    if (img.complete && img.naturalWidth > 0) rendered++;
  }
  document.body.dataset.figures = String(rendered);
  document.body.dataset.images = String(document.images.length);
});
</script>"""

def _num(nb_rel:Path) -> str:
    "The lesson number the sidebar shows: '05' for 05_cnn.ipynb, '02a' for 02a_files.ipynb (a lesson inserted after 02)."
    m = re.match(r'^(\d+[a-zA-Z0-9]*)_', nb_rel.name)
    return m.group(1) if m else ''

def render_page(p:dict, pages:list, body:str, toc:list, cfg:dict) -> str:
    "The complete HTML document of one page: navbar, sidebar, title, body, table of contents, script."
    esc, page, site = html.escape, p['page'], cfg['title']
    nav = []
    for q in pages:
        cur = q['page'] == page
        num = f'<span class="num">{esc(q["number"])}</span>' if q['number'] else ''
        label = 'Home' if q['page'] == 'index.html' else q['title']
        nav.append(f'<li{" class=active" if cur else ""}><a href="{esc(relpath(q["page"], page))}"'
                   f'{" aria-current=page" if cur else ""}>{num}{esc(label)}</a></li>')
    toc_html = ''.join(f'<li class="{lvl}"><a href="#{esc(i)}">{esc(t)}</a></li>' for lvl, i, t in toc)
    desc = f'<p class="description">{esc(p["description"])}</p>' if p['description'] else ''
    title = site if p['page'] == 'index.html' and p['title'] == site else f'{p["title"]} – {site}'
    repo = f'<a class="repo" href="{esc(cfg["git_url"])}">Source on GitHub</a>' if cfg.get('git_url') else ''
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)}</title>
<meta name="description" content="{esc(p['description'] or cfg.get('description', ''))}">
<link rel="stylesheet" href="{esc(relpath('site.css', page))}">
</head>
<body data-page="{esc(page)}" data-notebook="{esc(p['notebook'])}" data-root="{esc(relpath('.', page))}">
<header class="navbar" id="navbar"><a class="brand" href="{esc(relpath('index.html', page))}">{esc(site)}</a>{repo}<span class="note">offline build of the documentation</span>
<div class="search" role="search"><input id="search" type="search" placeholder="Search the course" aria-label="Search the course" autocomplete="off"><ol id="search-results" aria-label="Search results"></ol></div></header>
<div class="layout">
<nav class="sidebar" id="sidebar" aria-label="Course pages"><ul>
{chr(10).join(nav)}
</ul></nav>
<main id="content">
<header class="page-header"><h1 class="title">{esc(p['title'])}</h1>{desc}</header>
{body}
</main>
<nav class="toc" id="toc" aria-label="On this page">{'<h2>On this page</h2><ul>' + toc_html + '</ul>' if toc else ''}</nav>
</div>
{FIGURE_SCRIPT}
<script src="{esc(relpath('search_index.js', page))}"></script>
<script src="{esc(relpath('search.js', page))}"></script>
</body>
</html>
"""

# ---------------------------------------------------------------------------- the build

def build(root:Path=ROOT, out:Path|None=None, proc:bool=True, force:bool=False, quiet:bool=False) -> dict:
    "Build the offline site; return its manifest."
    import nbformat
    from pygments.formatters import HtmlFormatter
    t0 = time.time()
    cfg = settings(root)
    nbs, out = root/cfg['nbs_path'], out or root/OUT_NAME
    fingerprint = source_fingerprint(root)
    if proc: run_proc_nbs(root, nbs, force=True)
    t1 = time.time()
    proc_dir = root/'_proc'
    notebooks = documented_notebooks(nbs)
    if not notebooks: sys.exit(f'build_docs: no notebooks in {nbs}')
    missing = [str(n.relative_to(nbs)) for n in notebooks if not (proc_dir/n.relative_to(nbs)).exists()]
    if missing: sys.exit(f'build_docs: {", ".join(missing)} not processed in _proc/: run nbdev_proc_nbs (drop --no-proc)')
    if out.exists(): shutil.rmtree(out)
    out.mkdir(parents=True)

    pages = []
    for n in notebooks:
        rel = n.relative_to(nbs)
        nb = nbformat.read(proc_dir/rel, as_version=4)
        front = prepare_notebook(nb)
        page = (rel.parent/front['output-file']).as_posix() if front.get('output-file') else page_name(rel)
        pages.append(dict(notebook=rel.as_posix(), page=page, number=_num(rel), nb=nb,
                          title=str(front.get('title') or rel.stem), description=str(front.get('description') or '')))
    pages_by_nb = {p['notebook']: p['page'] for p in pages}
    if len(set(pages_by_nb.values())) != len(pages):
        sys.exit(f'build_docs: two notebooks map to the same page: {pages_by_nb}')

    exporter = make_exporter()
    search_index = []
    for p in pages:
        stem = Path(p['page']).stem
        resources = {'unique_key': stem, 'output_files_dir': f'{stem}_files'}
        body, res = exporter.from_notebook_node(p.pop('nb'), resources=resources)
        page_dir = out/os.path.dirname(p['page'])
        for name, data in (res.get('outputs') or {}).items():
            f = page_dir/name
            f.parent.mkdir(parents=True, exist_ok=True)
            f.write_bytes(data if isinstance(data, bytes) else data.encode())
        body, toc, entries = postprocess(body, p['page'], Path(p['notebook']), pages_by_nb, cfg, nbs, out,
                                         title='Home' if p['page'] == 'index.html' else p['title'])
        search_index += entries
        p['images'] = body.count('<img ')
        (out/p['page']).parent.mkdir(parents=True, exist_ok=True)
        (out/p['page']).write_text(render_page(p, pages, body, toc, cfg), encoding='utf-8')

    (out/'site.css').write_text(CSS + HtmlFormatter(style='default').get_style_defs('.highlight'), encoding='utf-8')
    (out/'.nojekyll').touch()
    # The search index is a script (not JSON): browsers refuse fetch() of a file:// URL, and the site must browse from file://.
    (out/'search_index.js').write_text('window.DOCS_SEARCH_INDEX = ' + json.dumps(search_index, ensure_ascii=False, separators=(',', ':'))
                                       + ';\n', encoding='utf-8')
    (out/'search.js').write_text(SEARCH_JS, encoding='utf-8')
    manifest = dict(site_title=cfg['title'], fingerprint=fingerprint, built=time.strftime('%Y-%m-%d %H:%M:%S'),
                    pages=[{k: p[k] for k in ('notebook', 'page', 'title', 'description', 'images')} for p in pages])
    (out/'manifest.json').write_text(json.dumps(manifest, indent=1), encoding='utf-8')
    if not quiet:
        print(f'build_docs: {len(pages)} pages in {out.relative_to(root) if out.is_relative_to(root) else out} '
              f'(nbdev processing {t1-t0:.1f}s, HTML {time.time()-t1:.1f}s); open {out/"index.html"}')
    return manifest

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--no-proc', action='store_true', help='skip nbdev_proc_nbs and use _proc/ as it is')
    ap.add_argument('--force', action='store_true', help=argparse.SUPPRESS)  # kept for old callers: processing is always forced
    ap.add_argument('--out', type=Path, default=None, help=f'output folder (default {OUT_NAME}/)')
    ap.add_argument('--proc-only', action='store_true',
                    help="only process the notebooks into _proc/ (with this build's show_doc renderer), e.g. for Quarto: "
                         "cd _proc && quarto render --no-cache, then move _proc/docs to docs/ (what nbdev_docs does)")
    ap.add_argument('--proc-child', type=Path, help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.proc_child: return _proc_child(a.proc_child, a.force)
    if a.proc_only:
        cfg = settings(ROOT)
        return run_proc_nbs(ROOT, ROOT/cfg['nbs_path'])
    build(out=a.out.resolve() if a.out else None, proc=not a.no_proc, force=a.force)

if __name__ == '__main__': main()
