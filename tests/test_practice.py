"""Every lesson ends with practice a learner can do, and the course has explorers to move sliders in.

Read from the committed notebooks (the outputs of their full-mode runs) and the package:

- every lesson from 01 to 12 (the lettered ones, 02a to 12b, included) has a `## Practice` section, its last `##` section with code,
  holding `### Questions` with answers folded away (`<details>`), at least one `### Exercise`, and a stub exercise
  cell that calls one of the lesson module's checkers: its committed output is the checker's "not written yet"
  line, proof that an unfinished exercise ran without stopping the notebook;
- the checkers a lesson's exercises call are exported by its module (`check_*` in its `__all__`), with docstrings;
- at least three lessons show an `Explorer`, whose committed output carries both the live widget (for Jupyter)
  and a PNG figure (for static pages).

The checkers' behaviour (the reference passes, typical wrong answers fail with their message) is asserted inside
each lesson, where the learner sees it, and so runs with every notebook test.
"""
import importlib, json, re
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
LESSONS = sorted(p for p in (ROOT/'nbs').glob('[0-9][0-9]*.ipynb') if not p.name.startswith('00'))
WIDGET_MIME = 'application/vnd.jupyter.widget-view+json'

def cells(path): return json.loads(path.read_text())['cells']
def src(cell): return ''.join(cell['source'])
def text_of(outputs):
    parts = []
    for o in outputs:
        parts.append(''.join(o.get('text', '')))
        for mime in ('text/plain', 'text/markdown'): parts.append(''.join(o.get('data', {}).get(mime, '')))
    return '\n'.join(parts)

def module_of(path):
    m = re.search(r'^#\|\s*default_exp\s+(\S+)', '\n'.join(src(c) for c in cells(path)), re.M)
    return importlib.import_module(f'dl_foundations.{m.group(1)}')

def practice_section(path):
    "The cells from the `## Practice` heading to the next `##` heading (or the end)."
    cs = cells(path)
    starts = [i for i, c in enumerate(cs) if c['cell_type'] == 'markdown' and re.match(r'##\s+Practice\b', src(c).strip())]
    assert len(starts) == 1, f'{path.name}: expected one "## Practice" section, found {len(starts)}'
    end = next((j for j in range(starts[0] + 1, len(cs)) if cs[j]['cell_type'] == 'markdown'
                and re.match(r'##\s', src(cs[j]).strip())), len(cs))
    return starts[0], cs[starts[0]:end], cs[end:]

def test_every_lesson_is_listed():
    names = [p.stem.split('_')[0] for p in LESSONS]
    assert names == ['01', '02', '02a', '02b', '02c', '03', '03a', '03b', '04', '04a', '04b', '04c', '05', '06', '06a', '07', '07a', '08', '09', '09a', '10', '10a', '11', '11a', '12', '12a', '12b'], names

@pytest.mark.parametrize('path', LESSONS, ids=lambda p: p.stem)
def test_lesson_ends_with_practice(path):
    _, section, after = practice_section(path)
    assert not [c for c in after if c['cell_type'] == 'code' and src(c).strip()], \
        f'{path.name}: code after the practice section: it should be the lesson\'s last section with code'
    md = '\n'.join(src(c) for c in section if c['cell_type'] == 'markdown')
    assert re.search(r'^###\s+Questions', md, re.M), f'{path.name}: no "### Questions"'
    assert '<details>' in md and '</details>' in md, f'{path.name}: the answers are not folded in a <details> block'
    assert re.search(r'^###\s+Exercise', md, re.M), f'{path.name}: no "### Exercise"'
    exported = {n for n in getattr(module_of(path), '__all__', []) if n.startswith('check_')}
    code = [c for c in section if c['cell_type'] == 'code']
    checkers = {n for c in code for n in exported if re.search(rf'\b{n}\(', src(c))}
    assert checkers, f'{path.name}: the practice section calls none of its module\'s exported check_* functions'
    stubs = [c for c in code if 'raise NotImplementedError' in src(c) and re.search(r'\bcheck_\w+\(', src(c))]
    assert stubs, f'{path.name}: no exercise stub cell (raise NotImplementedError, then a check_ call)'
    for c in stubs:
        shown = text_of(c.get('outputs', []))
        assert 'not written yet' in shown, f'{path.name}: the stub cell\'s committed output is not the checker\'s "not written yet": {shown[:300]!r}'
    for name in checkers:
        assert (getattr(module_of(path), name).__doc__ or '').strip(), f'{path.name}: {name} has no docstring for the docs'

def shows_explorer(source:str) -> bool:
    "Does the cell end with an expression `Explorer(...)`, which Jupyter displays?"
    import ast
    code = '\n'.join(l for l in source.splitlines() if not l.startswith(('#|', '%', '!')))
    try: body = ast.parse(code).body
    except SyntaxError: return False
    last = body[-1] if body else None
    return (isinstance(last, ast.Expr) and isinstance(last.value, ast.Call) and isinstance(last.value.func, ast.Name)
            and last.value.func.id == 'Explorer')

def test_at_least_three_lessons_have_explorers():
    found = []
    for path in LESSONS:
        for c in cells(path):
            if c['cell_type'] != 'code' or not shows_explorer(src(c)): continue
            datas = [o.get('data', {}) for o in c.get('outputs', []) if o.get('output_type') in ('display_data', 'execute_result')]
            assert any(WIDGET_MIME in d and 'image/png' in d for d in datas), \
                f'{path.name}: an explorer cell without its committed widget and static figure'
            found.append(path.stem)
    assert len(set(found)) >= 3, f'explorers in {sorted(set(found))}: at least three lessons should have one'
