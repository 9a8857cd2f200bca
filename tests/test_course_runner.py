"""The course runner: cell skipping in quick mode and a table built only from what a run recorded."""
import json, subprocess, sys
from pathlib import Path
import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / 'tools'))
import run_lessons as course  # tools/run_lessons.py

def test_quick_mode_skips_slow_and_full_cells():
    cell = lambda src: nbformat.v4.new_code_cell(src)
    assert course.is_skipped(cell('#| full\nx = 1'))
    assert course.is_skipped(cell('# | slow\nx = 1'))
    assert not course.is_skipped(cell('#| export\nx = 1'))
    assert not course.is_skipped(cell('x = 1  # full data'))

def test_lessons_are_numbered_notebooks_in_order():
    names = [p.stem for p in course.lessons()]
    assert names == sorted(names) and all(n[:2].isdigit() for n in names)
    assert [p.stem for p in course.lessons(['00'])] == ['00_course']

def test_runner_records_figures_and_builds_the_table(tmp_path, monkeypatch, capfd):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("from dl_foundations.course import record_figure, mode_name\n"
                                          "record_figure('demo figure', '42%', 0.5, 'generated', unit='%')"),
                nbformat.v4.new_code_cell("#| full\nraise RuntimeError('full-mode cell ran in quick mode')")]
    path = tmp_path / '99_demo.ipynb'
    nbformat.write(nb, path)
    monkeypatch.setattr(course, 'NBS', ROOT / 'nbs')
    monkeypatch.setenv('PYTHONPATH', str(ROOT))
    course.run_lesson(path, tmp_path, full=False, timeout=120)
    rows = [json.loads(l) for l in (tmp_path / '99_demo.jsonl').read_text().splitlines()]
    assert [(r['figure'], r['lecture'], r['value'], r['mode']) for r in rows] == [('demo figure', '42%', '50.00%', 'quick')]
    assert (tmp_path / '99_demo.ipynb').exists()
    err = capfd.readouterr().err
    assert 'without encryption' not in err, f'the kernel should talk over IPC, not TCP: {err}'

def test_summary_says_how_long_each_lesson_took(tmp_path):
    assert course.load_times(tmp_path) == {}
    course.save_time(tmp_path, '10_cifar_resnet', 3725.04, 'CPU (2 cores)')
    rec = course.load_times(tmp_path)['10_cifar_resnet']
    assert (rec['seconds'], rec['hardware']) == (3725.0, 'CPU (2 cores)')
    assert [course.duration(s) for s in (42, 750, 3725)] == ['42s', '12.5 min', '1 h 02 min']
    stems = ['00_course', '09_rnn', '10_cifar_resnet']
    full = course.time_summary('full', {'09_rnn': 1500.0}, {}, course.load_times(tmp_path), stems)
    assert '25.0 min  this run' in full[2]
    assert '1 h 02 min  not run now; its last full run here (' in full[3] and 'CPU (2 cores)' in full[3]
    assert 'no full run of it is recorded here' in full[1]
    assert full[-1] == '  all 3 lessons: 1 h 27 min for the 2 whose times are known (1 unknown)'
    quick = course.time_summary('quick', {'00_course': 5.0}, {'09_rnn': 7.0}, {}, stems)
    assert quick == ['Time per lesson (quick mode):', '  00_course                       5s  this run',
                     '  09_rnn                          7s  this run, FAILED']
