#!/usr/bin/env python
"""README.md from nbs/index.ipynb, offline (nbdev_readme needs Quarto), after refreshing the index's reproduction table.

    .venv/bin/python tools/make_readme.py           # refresh the table in nbs/index.ipynb, then write README.md
    .venv/bin/python tools/make_readme.py --check   # exit 1 (with a diff) if either is not what the notebooks give

The reproduction table is the output of the index cell that calls `committed_figures_table(...)`: that
cell (after the index's hidden import cells) is executed here, in nbs/, and its output replaces the
committed one, so the table always comes from the figure records in the committed lesson notebooks.

Markdown cells are copied as they are, minus Quarto-only syntax (`:::` fence lines, `{...}` attribute lists);
the first cell's `# title` and `> summary` become the README's heading and summary; code cells become
```python blocks (`#|` directive lines dropped; `#| hide`, `#| include: false` and export cells skipped;
`#| echo: false` keeps only the output); text outputs become ``` blocks; markdown outputs are copied; PNG
outputs are written to nbs/images/<notebook>-<cell id>.png and shown as images (alt text: `#| fig-alt:`).
Relative links to notebooks and files in nbs/ are rewritten relative to the repository root.
"""
from __future__ import annotations
import argparse, base64, configparser, difflib, json, os, re, subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_docs import split_directives, _false  # the offline site's reader of `#| key: value` lines: one reader for both

def directives(src:str) -> tuple[dict, str]:
    "A code cell's `#| key: value` options and the rest of its source, without blank lines at either end."
    opts, code = split_directives(src)
    return opts, code.strip('\n')

def fix_links(md:str, nbs_rel:str) -> str:
    "Relative links/images (as seen from nbs/) as seen from the repository root."
    def sub(m):
        url = m.group(2)
        if re.match(r'^([a-z][a-z0-9+.-]*:|#|/)', url, flags=re.I): return m.group(0)
        return f'{m.group(1)}({os.path.normpath(os.path.join(nbs_rel, url)).replace(os.sep, "/")})'
    return re.sub(r'(!?\[[^\]\n]*\])\(([^)\s]+)\)', sub, md)

def quarto_free(md:str) -> str:
    "Drop Quarto-only syntax outside code fences: `:::` div fences and `{...}` attribute lists."
    out, code = [], False
    for line in md.splitlines():
        if line.lstrip().startswith(('```', '~~~')): code = not code
        if not code:
            if re.match(r'^\s*:::', line): continue
            line = re.sub(r'(\]\([^)]*\)|^#+ .*?)\s*\{[^}]*[.#=][^}]*\}', r'\1', line)
        out.append(line)
    return '\n'.join(out)

TABLE_CALL = 'committed_figures_table('

def table_cells(nb:dict) -> tuple[list, list]:
    "The index's hidden import cells and the cells that display the committed reproduction table."
    code = [c for c in nb['cells'] if c['cell_type'] == 'code']
    src = lambda c: ''.join(c['source']) if isinstance(c['source'], list) else c['source']
    imports = [c for c in code if directives(src(c))[0].get('hide') and all(
               l.startswith(('import ', 'from ')) for l in directives(src(c))[1].splitlines() if l.strip())]
    return imports, [c for c in code if TABLE_CALL in src(c)]

def table_outputs(nb_path:Path) -> list[list]:
    "Run the index's table cells (after its hidden imports) in the notebook's folder; their fresh outputs."
    from execnb.shell import CaptureShell
    nb = json.loads(Path(nb_path).read_text(encoding='utf-8'))
    imports, tables = table_cells(nb)
    src = lambda c: directives(''.join(c['source']) if isinstance(c['source'], list) else c['source'])[1]
    here = os.getcwd()
    try:
        os.chdir(Path(nb_path).parent)
        shell = CaptureShell()
        for c in imports: shell.run(src(c))
        outs = []
        for c in tables:
            res = shell.run(src(c))
            if shell.exc: raise RuntimeError(f'the table cell of {nb_path} failed: {shell.exc!r}')
            outs.append([dict(o, execution_count=None) if 'execution_count' in o else o for o in res])
    finally: os.chdir(here)
    return outs

def _markdown_of(outputs:list) -> list:
    return [''.join(o['data']['text/markdown']) if isinstance(o['data']['text/markdown'], list) else o['data']['text/markdown']
            for o in outputs if 'text/markdown' in o.get('data', {})]

def refresh_table(nb_path:Path, write:bool=True) -> bool:
    "Put fresh outputs into the index's table cells; True when they differ from the committed ones (written only if `write`)."
    nb = json.loads(Path(nb_path).read_text(encoding='utf-8'))
    _, tables = table_cells(nb)
    fresh = table_outputs(nb_path)
    changed = any(_markdown_of(c.get('outputs', [])) != _markdown_of(o) for c, o in zip(tables, fresh))
    if changed and write:
        for c, o in zip(tables, fresh): c['outputs'] = o
        Path(nb_path).write_text(json.dumps(nb, indent=1, ensure_ascii=False) + '\n', encoding='utf-8')
        clean = Path(sys.executable).with_name('nbdev_clean')
        if clean.exists(): subprocess.run([str(clean), '--fname', str(nb_path)], check=True, cwd=ROOT)
    return changed

def _fig_alt(src:str) -> str:
    m = re.search(r'^\s*#\s*\|\s*fig-alt:\s*(.+)$', src, flags=re.M)
    return m.group(1).strip() if m else 'figure'

def readme(nb_path:Path, root:Path=ROOT, images:dict|None=None) -> str:
    nb_path, root = Path(nb_path).resolve(), Path(root).resolve()
    nb = json.loads(nb_path.read_text(encoding="utf-8"))
    nbs_rel = os.path.relpath(nb_path.parent, root)
    src = lambda c: ''.join(c['source']) if isinstance(c['source'], list) else c['source']
    blocks, title_done = [], False
    for cell in nb['cells']:
        s = src(cell)
        if cell['cell_type'] == 'raw':
            m = re.match(r'^\s*---\s*\n(.*?)\n---', s, flags=re.S)
            if m and not title_done:
                t = re.search(r'^title:\s*(.+)$', m.group(1), flags=re.M)
                d = re.search(r'^description:\s*(.+)$', m.group(1), flags=re.M)
                if t: blocks.append(f'# {t.group(1).strip(chr(34)+chr(39))}'); title_done = True
                if d: blocks.append(f'> {d.group(1).strip(chr(34)+chr(39))}')
            continue
        if cell['cell_type'] == 'markdown':
            md = quarto_free(s)
            if not title_done:
                m = re.search(r'^#\s+(\S.*?)\s*$', md, flags=re.M)
                if m:
                    title_done = True
                    rest = md[m.end():]
                    rest = re.sub(r'^-\s+\S.*:.*$\n?', '', rest, flags=re.M)  # nbdev's `- key: value` frontmatter lines
                    md = md[:m.start()] + f'# {m.group(1)}\n\n<!-- WARNING: generated from {nb_path.relative_to(root).as_posix()} by tools/make_readme.py; edit the notebook, then run it -->\n' + rest
            md = fix_links(md, nbs_rel).strip('\n')
            if md.strip(): blocks.append(md)
            continue
        if cell['cell_type'] != 'code': continue
        opts, code = directives(s)
        if opts.get('hide') or _false(opts.get('include', True)) or {'export', 'exporti'} & set(opts): continue
        if code.strip() and not _false(opts.get('echo', True)): blocks.append(f'```python\n{code}\n```')
        if _false(opts.get('output', True)): continue
        for k, out in enumerate(cell.get('outputs', [])):
            png = out.get('data', {}).get('image/png') if out['output_type'] in ('execute_result', 'display_data') else None
            if png is not None:
                rel = f"images/{nb_path.stem}-{cell.get('id', 'cell')}{'-' + str(k) if k else ''}.png"
                if images is not None: images[nb_path.parent/rel] = base64.b64decode(''.join(png) if isinstance(png, list) else png)
                blocks.append(fix_links(f'![{_fig_alt(s)}]({rel})', nbs_rel)); continue
            if out['output_type'] == 'stream' and out.get('name') == 'stdout':
                text = ''.join(out['text']) if isinstance(out['text'], list) else out['text']
                if k and blocks and blocks[-1].startswith('```\n') and cell['outputs'][k-1].get('output_type') == 'stream':
                    blocks[-1] = blocks[-1][:-4].rstrip('\n') + '\n' + text.rstrip() + '\n```'; continue  # one block per run of printed text
            elif out['output_type'] in ('execute_result', 'display_data'):
                data = out.get('data', {})
                if 'text/markdown' in data:
                    md = data['text/markdown']; blocks.append((''.join(md) if isinstance(md, list) else md).strip('\n')); continue
                text = data.get('text/plain', '')
                text = ''.join(text) if isinstance(text, list) else text
                if not text or re.match(r'^<.*(Figure|object at).*>$', text.strip()): continue
            else: continue
            if text.strip(): blocks.append(f'```\n{text.rstrip()}\n```')
    return '\n\n'.join(blocks).rstrip() + '\n'

def main(argv=None):
    ap = argparse.ArgumentParser(description='Refresh the reproduction table in nbs/index.ipynb, then write README.md from it (offline, no Quarto)')
    ap.add_argument('--check', action='store_true', help='do not write; exit 1 if the table, README.md or its images are out of date')
    a = ap.parse_args(argv)
    cp = configparser.ConfigParser(interpolation=None); cp.read(ROOT/'settings.ini')
    nb = ROOT/cp['DEFAULT'].get('nbs_path', 'nbs')/cp['DEFAULT'].get('readme_nb', 'index.ipynb')
    stale_table = refresh_table(nb, write=not a.check)
    images = {}
    want, path = readme(nb, images=images), ROOT/'README.md'
    if a.check:
        problems = []
        if stale_table: problems.append(f'the reproduction table in {nb.relative_to(ROOT)} is not what the committed notebooks give')
        have = path.read_text(encoding='utf-8') if path.exists() else ''
        if have != want:
            diff = list(difflib.unified_diff(have.splitlines(), want.splitlines(), 'README.md', 'from ' + nb.name, lineterm='', n=1))
            print('\n'.join(diff[:40]) + ('\n...' if len(diff) > 40 else ''))
            problems.append(f'README.md is not what {nb.relative_to(ROOT)} generates')
        problems += [f'{p.relative_to(ROOT)} is missing or differs from the output it shows' for p, b in images.items()
                     if not p.is_file() or p.read_bytes() != b]
        if problems: sys.exit('; '.join(problems) + ': run .venv/bin/python tools/make_readme.py and commit the results')
        print('README.md, its images and the reproduction table are up to date with', nb.relative_to(ROOT)); return
    for p, b in images.items():
        p.parent.mkdir(parents=True, exist_ok=True)
        if not p.is_file() or p.read_bytes() != b: p.write_bytes(b)
    path.write_text(want, encoding='utf-8')
    print(('refreshed the reproduction table in ' + str(nb.relative_to(ROOT)) + '; ' if stale_table else '') + 'wrote README.md from', nb.relative_to(ROOT))

if __name__ == '__main__': main()
