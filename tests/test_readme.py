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


def test_reproduction_table_comes_from_the_committed_records(tmp_path):
    "The index's table cell, run by the generator, shows the full-mode records of the lesson notebooks, and is stable."
    from dl_foundations.course import FIGURE_MIME
    nbs = tmp_path/'nbs'; nbs.mkdir()
    rec = lambda mode: dict(lesson='05_cnn', figure='8 epochs: valid accuracy', lecture='98.22%', value='98.10%', raw=0.981,
                            unit='%', data='MNIST', mode=mode, hardware='CPU (2 cores)')
    out = lambda r: dict(output_type='display_data', metadata={}, data={'text/plain': 'x', FIGURE_MIME: r})
    lesson = dict(cells=[_cell('code', 'record_figure(...)', [out(rec('full'))]), _cell('code', 'record_figure(...)', [out(rec('quick'))])],
                  metadata={}, nbformat=4, nbformat_minor=5)
    (nbs/'05_cnn.ipynb').write_text(json.dumps(lesson))
    cells = [_cell('markdown', '# my_lib\n\n> About it.'),
             _cell('code', '#| hide\nfrom IPython.display import Markdown\nfrom dl_foundations.course import committed_figures_table'),
             _cell('code', "#| echo: false\nMarkdown(committed_figures_table('.'))")]
    index = nbs/'index.ipynb'
    index.write_text(json.dumps(dict(cells=cells, metadata={}, nbformat=4, nbformat_minor=5)))
    assert make_readme.refresh_table(index) is True  # the table cell had no output yet
    first = index.read_text()
    assert make_readme.refresh_table(index) is False and index.read_text() == first  # regenerating changes nothing
    text = make_readme.readme(index, tmp_path)
    assert '| 05_cnn | 8 epochs: valid accuracy | 98.22% | 98.10% | MNIST | CPU (2 cores) |' in text
    assert text.count('8 epochs: valid accuracy') == 1, 'only the full-mode record belongs in the committed table'
    rec_changed = json.loads((nbs/'05_cnn.ipynb').read_text())
    rec_changed['cells'][0]['outputs'][0]['data'][FIGURE_MIME]['value'] = '97.00%'
    (nbs/'05_cnn.ipynb').write_text(json.dumps(rec_changed))
    assert make_readme.refresh_table(index, write=False) is True  # a new full run makes the committed table stale


def test_image_outputs_become_files(tmp_path):
    import base64
    nbs = tmp_path/'nbs'; nbs.mkdir()
    png = base64.b64encode(b'\x89PNG fake').decode()
    cell = _cell('code', '#| echo: false\n#| fig-alt: A Result\nplot()', [dict(output_type='display_data', metadata={}, data={'image/png': png, 'text/plain': '<Figure>'})])
    cell['id'] = 'abcd1234'
    nb = nbs/'index.ipynb'
    nb.write_text(json.dumps(dict(cells=[_cell('markdown', '# t'), cell], metadata={}, nbformat=4, nbformat_minor=5)))
    images = {}
    out = make_readme.readme(nb, tmp_path, images=images)
    assert '![A Result](nbs/images/index-abcd1234.png)' in out and 'plot()' not in out
    assert images == {nbs/'images'/'index-abcd1234.png': b'\x89PNG fake'}


def test_printed_lines_of_one_cell_make_one_block(tmp_path):
    nbs = tmp_path/'nbs'; nbs.mkdir()
    outs = [dict(output_type='stream', name='stdout', text=f'epoch {i}\n') for i in range(3)]
    nb = nbs/'index.ipynb'
    nb.write_text(json.dumps(dict(cells=[_cell('markdown', '# t'), _cell('code', 'fit()', outs)], metadata={}, nbformat=4, nbformat_minor=5)))
    assert '```\nepoch 0\nepoch 1\nepoch 2\n```' in make_readme.readme(nb, tmp_path)
