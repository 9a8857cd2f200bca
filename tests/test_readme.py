"""README.md is what tools/make_readme.py generates from nbs/index.ipynb, and the generator is faithful."""
import importlib.util, json, re, subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location('make_readme', ROOT/'tools'/'make_readme.py')
make_readme = importlib.util.module_from_spec(spec); spec.loader.exec_module(make_readme)

def test_readme_is_up_to_date():
    res = subprocess.run([sys.executable, str(ROOT/'tools'/'make_readme.py'), '--check'], cwd=ROOT, capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr

def test_readme_starts_with_the_two_commands():
    text = (ROOT/'README.md').read_text(encoding='utf-8')
    assert text.startswith('# '), 'README.md should start with the title heading'
    first = re.search(r'^```[^\n]*\n(.*?)^```', text, flags=re.S | re.M)
    assert first, 'README.md has no code block'
    commands = [l for l in first.group(1).splitlines() if l.strip() and not l.lstrip().startswith('#')]
    assert len(commands) == 2, f'the first code block should hold exactly the two commands, not {commands}'

def _cell(kind, src, outputs=None):
    c = dict(cell_type=kind, metadata={}, source=src)
    if kind == 'code': c.update(outputs=outputs or [], execution_count=1)
    return c

def test_generator_on_a_small_notebook(tmp_path):
    nbs = tmp_path/'nbs'; nbs.mkdir()
    cells = [_cell('markdown', '# my_lib\n\n> One line about it.\n\n- skip_exec: true'),
             _cell('code', '#| hide\nfrom my_lib.core import *'),
             _cell('markdown', 'See [the lesson](01_core.ipynb), [site](https://x.org/a.ipynb) and [here](#top).\n\n::: {.callout-note}\nA note.\n:::'),
             _cell('code', '#| export\ndef f(): pass'),
             _cell('code', '#| echo: false\nprint("only output")', [dict(output_type='stream', name='stdout', text='only output\n')]),
             _cell('code', '1 + 1', [dict(output_type='execute_result', execution_count=1, metadata={}, data={'text/plain': '2'})]),
             _cell('code', '#| output: false\nx = 3', [dict(output_type='stream', name='stdout', text='hidden\n')]),
             _cell('code', '#| include: false\nsecret = 1')]
    nb = nbs/'index.ipynb'
    nb.write_text(json.dumps(dict(cells=cells, metadata={}, nbformat=4, nbformat_minor=5)))
    out = make_readme.readme(nb, tmp_path)
    assert out.startswith('# my_lib\n') and '> One line about it.' in out and 'skip_exec' not in out
    assert 'from my_lib.core' not in out and 'def f' not in out and 'secret' not in out and 'hidden' not in out
    assert '[the lesson](nbs/01_core.ipynb)' in out and '(https://x.org/a.ipynb)' in out and '(#top)' in out
    assert ':::' not in out and 'A note.' in out
    assert '```\nonly output\n```' in out and 'print("only output")' not in out
    assert '```python\n1 + 1\n```\n\n```\n2\n```' in out and 'x = 3' in out and '#|' not in out
