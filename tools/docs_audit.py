#!/usr/bin/env python
"""Count, page by page, the problems issue 13 lists in the offline docs site, as a reader's browser shows them.

    .venv/bin/python tools/build_docs.py && .venv/bin/python tools/docs_audit.py          # table of counts
    .venv/bin/python tools/docs_audit.py --site /tmp/old_site --json before.json --examples 3
    .venv/bin/python tools/docs_audit.py --before before.json                              # + a before/now table

Every page of the built site (default `_docs_offline/`) is opened in headless Chromium at 1280 px (tools/browser.py),
after its scripts ran, and the audit counts in the rendered DOM:

- raw TeX: `$...$` formulas or TeX commands left as text in prose (not in code, not rendered MathML);
- Markdown link syntax (`[x](url)`) shown as text, and how many show_doc signatures have it;
- raw reprs in outputs: `{'lesson': ...}` dicts, dicts of unrounded floats (`{'train_loss': 2.0816508324813845`),
  `<Axes ...>`, `[<matplotlib...>]`, `<... object at 0x...>`;
- absolute paths of a machine (`/root/`, `/tmp/`, `/work/`, `/home/<user>`, `/Users/<user>`) in prose and outputs
  (code a learner reads, e.g. a test that rejects `/tmp/evil.txt`, is not counted);
- classes whose show_doc signature is `*args, **kwargs`;
- public methods of exported classes (those a user calls: not callback events, not forward/backward/extra_repr,
  not properties) with a show_doc entry on the site, of all of them;
- public properties of exported classes (`@property`, `@cached_property`) with a show_doc entry on the site, of all
  of them: a property is read like an attribute, but it is code with a docstring, documented as a method is;
- exported constants not named in any prose or output of the site (a comment in hidden code does not count);
- lines wider than their box (cut off, or scrolling sideways) in outputs, in signatures and in code;
- backticks shown in the page subtitle;
- figures whose tick labels render below 8 px: matplotlib's default 10 pt labels are 10*dpi/72 px in the PNG
  (dpi from its pHYs chunk), times the scale the page shows the image at;
- duplicate entries in a page's table of contents, duplicate numbers in the sidebar;
- progress bars frozen before their end (`<progress value < max>`);
- absurd floats: 13 or more digits before the decimal point in an output.
"""
from __future__ import annotations

import argparse, ast, json, re, struct, sys, zlib
from collections import Counter
from pathlib import Path
from urllib.parse import unquote, urlparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from browser import Chromium  # noqa: E402

MIN_TICK_PX = 8
MACHINE_PATH = re.compile(r'(?<![\w.~-])(?:/root/|/tmp/|/work/|/home/[\w.-]+|/Users/[\w.-]+|/var/folders/)')
RAW_REPR = re.compile(r"\{'[\w ]+': [^{}\n]*\d\.\d{12,}|\{'lesson':|<Axes[:\s>]|\[<matplotlib\.|<matplotlib\.\w|<Figure size \d|<[\w.]+ object at 0x[0-9a-f]+>")
MD_LINK = re.compile(r'\[[^\]\n]{1,120}\]\((?:https?://|[\w./-]+\.html)[^)\s]*\)')
TEX_DOLLAR = re.compile(r'\$\$?[^$\n]{1,300}?\$\$?')
TEX_COMMAND = re.compile(r'\\(?:frac|sqrt|text|sum|prod|mathbb|mathrm|mathbf|hat|bar|cdot|times|epsilon|sigma|mu|gamma|beta|'
                         r'alpha|left|right|log|exp|partial|nabla|operatorname|leq|geq|approx|infty)\b')
ABSURD_FLOAT = re.compile(r'(?<![\w.])\d{13,}(?:\.\d+)?(?![\w])')

PROBLEMS = ['raw TeX formulas', 'Markdown link syntax shown as text', 'signatures with Markdown link syntax',
            'raw dict/Axes/object reprs in outputs', 'absolute machine paths', 'classes shown as *args, **kwargs',
            'public methods', 'public methods documented', 'public properties', 'public properties documented',
            'exported constants named in no prose or output',
            'show_doc signatures', 'signatures cut off (wider than their box)', 'lines cut off in signatures',
            'output blocks cut off (wider than their box)', 'lines cut off in outputs', 'code blocks wider than their box',
            'lines cut off in codes', 'pages wider than the window', 'backticks in the subtitle', 'output figures',
            f'figures with tick labels under {MIN_TICK_PX} px', 'images that did not load',
            'duplicate table-of-contents entries', 'duplicate sidebar numbers', 'frozen progress bars',
            'absurd float outputs (13+ digits)']

# The page's rendered DOM, as the audit needs it (runs inside the page).
PAGE_JS = r"""(() => {
  const main = document.querySelector('main') || document.body;
  const skip = 'pre, code, math, script, style, .MathJax, mjx-container, .katex';
  const texts = (root, selector, skipping = skip) => {  // text of the matched elements, outside code/math
    const out = [];
    for (const el of root.querySelectorAll(selector)) {
      const w = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
      let parts = [];
      while (w.nextNode()) { const n = w.currentNode; if (!n.parentElement.closest(skipping)) parts.push(n.nodeValue); }
      out.push(parts.join(''));
    }
    return out;
  };
  const probe = document.createElement('span'); probe.textContent = 'M'.repeat(50);
  const pres = [];
  for (const p of main.querySelectorAll('pre')) {
    const md = p.closest('.output_markdown');
    const sig = !!(md && md.querySelector('h2, h3, h4') && p.closest('.highlight, .sourceCode, div') );
    const kind = p.closest('.input_area, .input, .cell-code') ? 'code' : (sig ? 'signature' : 'output');
    p.appendChild(probe); const cw = probe.getBoundingClientRect().width / 50; probe.remove();
    const cs = getComputedStyle(p);
    const room = p.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
    const wraps = /pre-wrap|break-spaces|pre-line/.test(cs.whiteSpace);
    const lines = p.innerText.split('\n');
    const long = wraps ? [] : lines.filter(l => l.length * cw > room + 1);
    pres.push({kind, over: p.scrollWidth - p.clientWidth, long: long.length, first: (long[0] || lines[0] || '').slice(0, 160),
               text: p.innerText.slice(0, 2000), heading: md && md.querySelector('h2, h3, h4') ? md.querySelector('h2, h3, h4').innerText.replace(/¶/g, '').trim() : null});
  }
  const imgs = [...main.querySelectorAll('img')].map(i => ({src: i.getAttribute('src'), shown: i.getBoundingClientRect().width,
      natural: i.naturalWidth, complete: i.complete && i.naturalWidth > 0, output: !!i.closest('.output_area, .output, .cell-output')}));
  const heads = [...main.querySelectorAll('.output_markdown h2, .output_markdown h3, .output_markdown h4')].map(h => h.innerText.replace(/¶/g, '').trim());
  const progress = [...main.querySelectorAll('progress')].map(p => [Number(p.value), Number(p.max)]);
  const desc = document.querySelector('.page-header .description, p.description, div.description');
  return {
    title: document.title, h1: (document.querySelector('h1.title') || {}).innerText || '',
    nav: [...document.querySelectorAll('#sidebar a')].map(a => a.getAttribute('href')),
    figures: document.body.dataset.figures, maths: [...main.querySelectorAll('math')].map(m => m.getBoundingClientRect().width),
    prose: texts(main, '.text_cell_render, .cell-text'),
    prose_with_code: texts(main, '.text_cell_render, .cell-text', 'pre, script, style, math'),  // names in `code` count
    outputs: texts(main, '.output_area, .cell-output').concat(pres.filter(p => p.kind !== 'code').map(p => p.text)),
    all_text: main.innerText,
    pres, imgs, heads, progress,
    description: desc ? desc.innerText : '',
    toc: [...document.querySelectorAll('#toc a, nav#TOC a')].map(a => a.innerText.trim()),
    sidebar: [...document.querySelectorAll('#sidebar .num')].map(s => s.innerText.trim()),
    page_overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
  };
})()"""

def png_dpi(path:Path) -> float | None:
    "The dpi a PNG says it was saved at (its pHYs chunk), or None."
    try: data = path.read_bytes()
    except OSError: return None
    if data[:8] != b'\x89PNG\r\n\x1a\n': return None
    i = 8
    while i + 8 <= len(data):
        n, kind = struct.unpack('>I4s', data[i:i+8])
        if kind == b'pHYs' and n == 9:
            x, _, unit = struct.unpack('>IIB', data[i+8:i+17])
            return x * 0.0254 if unit == 1 else None
        if kind == b'IDAT': return None
        i += 12 + n
    return None

NOT_CALLED_BY_USERS = {'forward', 'backward', 'extra_repr'}  # PyTorch calls these (through __call__, autograd, repr)

PROPERTY_DECORATORS = {'property', 'setter', 'getter', 'deleter', 'cached_property'}

def _decorators(f) -> set:
    return {getattr(d, 'id', getattr(d, 'attr', '')) for d in f.decorator_list}

def is_public_property(f) -> bool:
    "A public property's getter: `@property` or `@cached_property` (its setter is the same entry), name not private."
    return not f.name.startswith('_') and bool(_decorators(f) & {'property', 'cached_property'})

def is_user_method(f) -> bool:
    "A public method a user calls: not private, not a property, not a callback event (before_*/after_*), not forward/backward/extra_repr."
    return not (f.name.startswith('_') or f.name in NOT_CALLED_BY_USERS or re.match(r'(before|after)_', f.name)
                or _decorators(f) & PROPERTY_DECORATORS)

def module_exports(py:Path) -> tuple[list[str], dict]:
    "A module's `__all__` names and its top-level functions and classes (name -> ast node), read from its source without importing it."
    tree = ast.parse(py.read_text(encoding='utf-8'))
    names = next((ast.literal_eval(n.value) for n in tree.body if isinstance(n, ast.Assign)
                  and any(getattr(t, 'id', '') == '__all__' for t in n.targets)), [])
    return names, {n.name: n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}

def exported(lib:Path) -> dict:
    "From the package's source: exported classes (with their public methods and properties) and constants, per module."
    classes, constants = {}, {}
    for py in sorted(lib.glob('*.py')):
        if py.name.startswith('_'): continue
        names, defs = module_exports(py)
        for name in names:
            node = defs.get(name)
            if isinstance(node, ast.ClassDef):
                funcs = [f for f in node.body if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))]
                classes[name] = dict(module=py.stem, methods=[f.name for f in funcs if is_user_method(f)],
                                     properties=[f.name for f in funcs if is_public_property(f)])
            elif node is None: constants[name] = py.stem
    return dict(classes=classes, constants=constants)

def audit(site:Path, lib:Path, width:int=1280, examples:int=2, screenshots:dict|None=None) -> dict:
    """Open every page of `site` in Chromium and count the problems; returns {counts, examples, per_page, dom}.
    `screenshots`: {page name: PNG path, or (PNG path, CSS selector)} to save a screen of those pages as the browser
    shows them: the first screen, or the screen that starts at the selector's first match."""
    pages = sorted(p for p in site.glob('**/*.html') if not p.name.startswith('_') and 'screenshots' not in p.parts)
    ex = exported(lib)
    counts, samples, per_page = Counter(), {}, {}
    def hit(key, page, snippet, n=1):
        counts[key] += n
        per_page.setdefault(page, Counter())[key] += n
        lst = samples.setdefault(key, [])
        if len(lst) < examples: lst.append(f'{page}: {snippet.strip()[:160]}')
    all_heads, site_text, dom = {}, [], {}
    with Chromium() as browser:
        for path in pages:
            name = path.relative_to(site).as_posix()
            tab = browser.open(path, width=width)
            d = tab.evaluate(PAGE_JS)
            if screenshots and name in screenshots:
                png, selector = screenshots[name] if isinstance(screenshots[name], tuple) else (screenshots[name], None)
                if selector:  # bring the first match (a formula, a figure) into view, below the sticky navbar
                    tab.evaluate(f"(() => {{ const el = document.querySelector({json.dumps(selector)}); if (el) {{ "
                                 "el.scrollIntoView({block: 'start'}); window.scrollBy(0, -90); } return !!el; })()")
                tab.screenshot(png)
            tab.close()
            dom[name] = {k: d[k] for k in ('title', 'h1', 'nav', 'figures', 'maths', 'imgs')}
            all_heads[name] = set(d['heads'])
            site_text += d['prose_with_code'] + d['outputs']
            for t in d['prose']:  # formulas live in Markdown; `$` in an output is a shell variable or a price
                for m in TEX_DOLLAR.finditer(t): hit('raw TeX formulas', name, m.group())
                rest = TEX_DOLLAR.sub('', t)
                for m in TEX_COMMAND.finditer(rest): hit('raw TeX formulas', name, rest[max(0, m.start()-30):m.end()+30])
            for t in d['prose'] + d['outputs']:
                for m in MD_LINK.finditer(t): hit('Markdown link syntax shown as text', name, m.group())
            for t in d['outputs']:
                for m in RAW_REPR.finditer(t): hit('raw dict/Axes/object reprs in outputs', name, t[m.start():m.start()+100])
                for m in ABSURD_FLOAT.finditer(t): hit('absurd float outputs (13+ digits)', name, m.group())
            for t in d['prose'] + d['outputs']:
                for m in MACHINE_PATH.finditer(t): hit('absolute machine paths', name, t[max(0, m.start()-20):m.start()+60])
            for p in d['pres']:
                if p['kind'] == 'signature':
                    counts['show_doc signatures'] += 1
                    if MD_LINK.search(p['text']): hit('signatures with Markdown link syntax', name, MD_LINK.search(p['text']).group())
                    head = (p['heading'] or '').split('.')[-1]
                    if head in ex['classes'] and '*args' in p['text'] and '**kwargs' in p['text'] and p['heading'] in ex['classes']:
                        hit('classes shown as *args, **kwargs', name, p['text'].splitlines()[0])
                if p['over'] > 1 or p['long']:
                    key = {'signature': 'signatures cut off (wider than their box)', 'output': 'output blocks cut off (wider than their box)',
                           'code': 'code blocks wider than their box'}[p['kind']]
                    hit(key, name, p['first'])
                    counts[f'lines cut off in {p["kind"]}s'] += max(p['long'], 1)
            if '`' in d['description']: hit('backticks in the subtitle', name, d['description'])
            for img in d['imgs']:
                if not img['complete']: hit('images that did not load', name, img['src'] or '?'); continue
                if not img['output']: continue
                src = path.parent/unquote(urlparse(img['src']).path) if img['src'] and not img['src'].startswith('data:') else None
                dpi = (png_dpi(src) if src else None) or 72.0
                tick_px = 10 * dpi / 72 * img['shown'] / img['natural']
                counts['output figures'] += 1
                if tick_px < MIN_TICK_PX:
                    hit(f'figures with tick labels under {MIN_TICK_PX} px', name,
                        f'{img["src"]}: {img["natural"]} px shown at {img["shown"]:.0f} px, labels ~{tick_px:.1f} px')
            dup = [t for t, n in Counter(d['toc']).items() if n > 1]
            if dup: hit('duplicate table-of-contents entries', name, ', '.join(dup), n=sum(Counter(d['toc'])[t] - 1 for t in dup))
            dupnum = [t for t, n in Counter(d['sidebar']).items() if n > 1 and t]
            if dupnum and name == 'index.html': hit('duplicate sidebar numbers', name, ', '.join(dupnum), n=len(dupnum))
            for value, top in d['progress']:
                if value < top: hit('frozen progress bars', name, f'{value:g}/{top:g}')
            if d['page_overflow'] > 1: hit('pages wider than the window', name, f'{d["page_overflow"]} px')
    # methods, properties and constants: across the site
    for kind in ('methods', 'properties'):
        total = documented = 0
        for cls, info in ex['classes'].items():
            for m in info[kind]:
                total += 1
                if any(f'{cls}.{m}' in heads for heads in all_heads.values()): documented += 1
                else: samples.setdefault(f'public {kind} without an entry', []).append(f'{cls}.{m}')
        counts[f'public {kind}'] = total; counts[f'public {kind} documented'] = documented
    text = '\n'.join(site_text)
    for const, mod in ex['constants'].items():
        if not re.search(rf'(?<![\w]){re.escape(const)}(?![\w])', text):
            hit('exported constants named in no prose or output', f'{mod}.py', const)
    for k in PROBLEMS: counts.setdefault(k, 0)
    order = {k: i for i, k in enumerate(PROBLEMS)}
    return dict(counts=dict(sorted(counts.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0]))), examples=samples, per_page={k: dict(v) for k, v in per_page.items()},
                pages=len(pages), dom=dom)

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--site', type=Path, default=ROOT/'_docs_offline', help='the built site (default _docs_offline/)')
    ap.add_argument('--lib', type=Path, default=ROOT/'dl_foundations', help='the package, for exported names')
    ap.add_argument('--json', type=Path, help='also write the result as JSON here')
    ap.add_argument('--examples', type=int, default=2, help='examples to print per problem')
    ap.add_argument('--before', type=Path, help="a --json file of an earlier audit: also print a Markdown table 'before | now'")
    a = ap.parse_args(argv)
    if not (a.site/'index.html').exists(): sys.exit(f'docs_audit: no site in {a.site}: run tools/build_docs.py first')
    res = audit(a.site, a.lib, examples=a.examples)
    print(f'docs_audit: {res["pages"]} pages in {a.site}')
    width = max(len(k) for k in res['counts'])
    for k, v in res['counts'].items():
        print(f'  {k:<{width}}  {v}')
        for e in res['examples'].get(k, [])[:a.examples]: print(f'  {"":<{width}}    e.g. {e}')
    for kind in ('methods', 'properties'):
        missing = res['examples'].get(f'public {kind} without an entry', [])
        if missing: print(f'  public {kind} without an entry: {", ".join(missing)}')
    if a.json: a.json.write_text(json.dumps({k: v for k, v in res.items() if k != 'dom'}, indent=1), encoding='utf-8')
    if a.before:
        before = json.loads(a.before.read_text(encoding='utf-8'))['counts']
        print('\n| problem | before | now |\n|---|---:|---:|')
        for k in dict.fromkeys([*before, *res['counts']]):
            print(f'| {k} | {before.get(k, "-")} | {res["counts"].get(k, "-")} |')

if __name__ == '__main__': main()
