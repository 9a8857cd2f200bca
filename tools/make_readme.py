#!/usr/bin/env python
"""README.md from nbs/index.ipynb, offline (nbdev_readme needs Quarto).

    .venv/bin/python tools/make_readme.py           # write README.md
    .venv/bin/python tools/make_readme.py --check   # exit 1 (with a diff) if README.md is not what the notebook gives

Markdown cells are copied as they are, minus Quarto-only syntax (`:::` fence lines, `{...}` attribute lists);
the first cell's `# title` and `> summary` become the README's heading and summary; code cells become
```python blocks (`#|` directive lines dropped; `#| hide`, `#| include: false` and export cells skipped;
`#| echo: false` keeps only the output); text outputs become ``` blocks; markdown outputs are copied.
Relative links to notebooks and files in nbs/ are rewritten relative to the repository root.
"""
from __future__ import annotations
import argparse, configparser, difflib, json, os, re, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_DIR = re.compile(r'^\s*#\s*\|\s?(.*)$')

def directives(src:str) -> tuple[dict, str]:
    lines, opts, i = src.splitlines(), {}, 0
    while i < len(lines) and (_DIR.match(lines[i]) or not lines[i].strip()):
        m = _DIR.match(lines[i])
        if m:
            k, _, v = m.group(1).partition(':')
            opts[k.strip()] = v.strip().lower() or True
        i += 1
    return opts, '\n'.join(lines[i:]).strip('\n')

def _false(v): return str(v).lower() in ('false', 'no', '0')

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

def readme(nb_path:Path, root:Path=ROOT) -> str:
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
        for out in cell.get('outputs', []):
            if out['output_type'] == 'stream' and out.get('name') == 'stdout':
                text = ''.join(out['text']) if isinstance(out['text'], list) else out['text']
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
    ap = argparse.ArgumentParser(description='README.md from nbs/index.ipynb (offline, no Quarto)')
    ap.add_argument('--check', action='store_true', help='do not write; exit 1 if README.md is out of date')
    a = ap.parse_args(argv)
    cp = configparser.ConfigParser(interpolation=None); cp.read(ROOT/'settings.ini')
    nb = ROOT/cp['DEFAULT'].get('nbs_path', 'nbs')/cp['DEFAULT'].get('readme_nb', 'index.ipynb')
    want, path = readme(nb), ROOT/'README.md'
    if a.check:
        have = path.read_text(encoding='utf-8') if path.exists() else ''
        if have != want:
            diff = list(difflib.unified_diff(have.splitlines(), want.splitlines(), 'README.md', 'from ' + nb.name, lineterm='', n=1))
            print('\n'.join(diff[:40]) + ('\n...' if len(diff) > 40 else ''))
            sys.exit(f'README.md is not what {nb.relative_to(ROOT)} generates: run .venv/bin/python tools/make_readme.py and commit README.md')
        print('README.md is up to date with', nb.relative_to(ROOT)); return
    path.write_text(want, encoding='utf-8'); print('wrote README.md from', nb.relative_to(ROOT))

if __name__ == '__main__': main()
