"""The committed notebooks read cleanly where no kernel runs: GitHub's notebook view, and JupyterLab before a run.

Both show the committed outputs as they are, so these tests read the notebook files in nbs/:
- no Quarto-only Markdown: nbdev 2's own show_doc renderer writes the source link as
  `[source](url){target="_blank" style=...}`, whose attribute text every renderer but Quarto shows literally.
  The course's renderer (dl_foundations/_showdoc.py, named in settings.ini) writes an HTML link instead; outputs
  made before it still carry the old text until their notebook is re-run (`tools/run_lessons.py --full --publish`);
- a widget output (ipywidgets) says what it is in its text version: where it cannot be drawn the reader sees that
  text, and a widget's default is its repr (`Button(description='Click me', style=ButtonStyle())`).
"""
import json, re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT/'nbs').glob('*.ipynb'))
WIDGET_MIME = 'application/vnd.jupyter.widget-view+json'

def _text(v) -> str: return ''.join(v) if isinstance(v, list) else str(v or '')

def _cells(nb_path):
    for i, cell in enumerate(json.loads(nb_path.read_text(encoding='utf-8'))['cells']):
        yield i, cell

def test_no_quarto_link_attributes_in_committed_notebooks():
    found = []
    for nb in NOTEBOOKS:
        for i, cell in _cells(nb):
            texts = [_text(cell.get('source'))] + [_text(v) for o in cell.get('outputs', []) for v in
                                                    [o.get('text', '')] + list(o.get('data', {}).values())]
            hits = [t for t in texts if '{target=' in t]
            if hits:
                line = next(l for l in hits[0].splitlines() if '{target=' in l)
                found.append(f'{nb.name} cell {i} ({cell.get("id", "?")}): {line.strip()[:120]}')
    assert not found, (f'{len(found)} cells show Quarto link attributes ({{target=...}}) as text in Jupyter and on GitHub. '
                       'Outputs made before the course renderer: re-run those notebooks (tools/run_lessons.py --full --publish '
                       '--lesson ...); in a source, write an HTML <a> link instead:\n  ' + '\n  '.join(found))

def test_widget_outputs_say_what_they_are():
    found, widgets = [], 0
    for nb in NOTEBOOKS:
        for i, cell in _cells(nb):
            for o in cell.get('outputs', []):
                data = o.get('data', {})
                if WIDGET_MIME not in data: continue
                widgets += 1
                text = _text(data.get('text/html') or data.get('text/plain'))
                if not text.strip() or re.fullmatch(r'\s*[A-Z]\w*\(.*\)\s*', text, flags=re.S):
                    found.append(f'{nb.name} cell {i} ({cell.get("id", "?")}): {text.strip()[:100]!r}')
    assert widgets, 'no committed widget output found (lesson 01 shows a button)'
    assert not found, ('widget outputs whose text version is the widget\'s repr (what GitHub, and JupyterLab before a run, '
                       'show): display the widget with a note as its text/plain and text/html, then re-run the notebook:\n  '
                       + '\n  '.join(found))
