"""The package works outside the repo: build a wheel, install it into a fresh venv beside the newest fastcore
(as fastai 2.8 needs), import it from elsewhere, pass pip check and train."""
import os, re, subprocess, sys, zipfile
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
DEV_ONLY_PINS = ('fastcore', 'nbdev', 'execnb', 'ghapi')  # nbdev 2's toolchain: pinned for the course, not for users

def run(cmd, **kw):
    res = subprocess.run(cmd, capture_output=True, text=True, **kw)
    assert res.returncode == 0, f"{' '.join(map(str, cmd))} failed:\n{res.stdout[-3000:]}\n{res.stderr[-3000:]}"
    return res.stdout

@pytest.fixture(scope='module')
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp('dist')
    run([sys.executable, '-m', 'pip', 'wheel', '--no-deps', '--no-build-isolation', '-q', '-w', str(out), str(ROOT)])
    wheels = list(out.glob('dl_foundations-*.whl'))
    assert len(wheels) == 1, wheels
    return wheels[0]

def exported_modules():
    return sorted(p.stem for p in (ROOT / 'dl_foundations').glob('*.py') if not p.stem.startswith('_'))

def test_wheel_holds_the_package_and_nothing_else(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    for m in exported_modules(): assert f'dl_foundations/{m}.py' in names, f'{m}.py missing from the wheel'
    assert 'dl_foundations/_modidx.py' in names
    assert not [n for n in names if n.startswith(('nbs/', 'tests/', 'tools/'))]
    meta = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith('METADATA'))).decode()
    requires = [l for l in meta.splitlines() if l.startswith('Requires-Dist:') and 'extra ==' not in l]
    assert requires, 'the wheel declares no runtime requirements'
    assert not [r for r in requires if '==' in r], f'users get ranges, not pins: {requires}'

def runtime_constraints(tmp_path) -> Path:
    "constraints.txt without the dev toolchain's pins: the same torch build from the local disk, any fastcore."
    lines = (ROOT / 'requirements' / 'constraints.txt').read_text().splitlines()
    keep = [l for l in lines if not re.match(rf"({'|'.join(DEV_ONLY_PINS)})\s*[=<>~!]", l, re.I)]
    assert len(keep) == len(lines) - len(DEV_ONLY_PINS), 'constraints.txt should pin each of ' + ', '.join(DEV_ONLY_PINS)
    path = tmp_path / 'runtime-constraints.txt'
    path.write_text('\n'.join(keep) + '\n')
    return path

# The notebooks' show_doc renderer (settings.ini `renderer`): imported by nbdev's show_doc, never by the package,
# so it may use the dev toolchain (nbdev, fastcore) that users' installs do not have.
NOTEBOOK_TOOLING = ('_showdoc.py',)

def test_runtime_requirements_are_what_the_package_imports():
    cfg = (ROOT / 'settings.ini').read_text()
    reqs = re.search(r'^requirements\s*=\s*(.*)$', cfg, re.M).group(1).split()
    names = {re.split(r'[<>=!~]', r)[0].lower() for r in reqs}
    imported = set()
    for f in (ROOT / 'dl_foundations').glob('*.py'):
        if f.name in NOTEBOOK_TOOLING: continue
        assert not re.search(r'\b_showdoc\b', f.read_text()), f'{f.name} imports the notebooks\' show_doc renderer (dev toolchain only)'
        imported |= {m.lower() for m in re.findall(r'^\s*(?:try:\s*)?(?:from|import)\s+([A-Za-z_]\w*)', f.read_text(), re.M)}
    dist_name = {'pil': 'pillow'}
    # optional, imported only where they are used, with an error that says how to install them: IPython (display) and
    # ipywidgets (course.Explorer, the notebooks' live explorers; the wheel test below checks its error)
    third_party = {dist_name.get(m, m) for m in imported} - set(sys.stdlib_module_names) - {'dl_foundations', 'ipython', 'ipywidgets'}
    assert names == third_party, f"settings.ini requirements {sorted(names)} but the package imports {sorted(third_party)}"

def test_wheel_installs_beside_the_newest_fastcore_and_trains(wheel, tmp_path):
    venv = tmp_path / 'venv'
    run([sys.executable, '-m', 'venv', str(venv)])
    py = venv / 'bin' / 'python'
    # The pinned torch build (locally cached) but no fastcore pin: pip picks the newest fastcore it is offered.
    run([str(py), '-m', 'pip', 'install', '-q', '-c', str(runtime_constraints(tmp_path)), str(wheel), 'fastcore>=2.2.22'])
    run([str(py), '-m', 'pip', 'check'])
    present = exported_modules()  # every module of the package, imported from the installed wheel
    code = ("import dl_foundations, importlib, fastcore, torch; "
            f"mods = [importlib.import_module('dl_foundations.' + m) for m in {present!r}]; "
            "from dl_foundations.data import DataLoaders; "
            "from dl_foundations.learner import Learner; from dl_foundations.training import AvgStatsCallback, accuracy; "
            "torch.manual_seed(0); x = torch.randn(256, 20); y = (x[:, 0] > 0).long(); "
            "dls = DataLoaders.from_tensors(x[:192], y[:192], x[192:], y[192:], bs=32); "
            "learn = Learner(torch.nn.Linear(20, 2), dls, torch.nn.functional.cross_entropy, lr=0.5, "
            "cbs=[AvgStatsCallback([accuracy], log=False)]).fit(2); "
            "import importlib.util; from dl_foundations.course import Explorer; "
            "assert importlib.util.find_spec('ipywidgets') is None, 'ipywidgets should not come with the wheel'; "
            "ex = Explorer(lambda p=1: None, p=(1, 3, 1)); "
            "msg = ''\n"
            "try: ex.widget\n"
            "except ImportError as e: msg = str(e)\n"
            "assert 'pip install ipywidgets' in msg, msg\n"
            "print(dl_foundations.__file__, fastcore.__version__, learn.avg_stats.history[-1]['valid_accuracy'])")
    env = {k: v for k, v in os.environ.items() if k != 'PYTHONPATH'}
    out = run([str(py), '-c', code], cwd=tmp_path, env=env).split()
    where, fastcore_version, valid_acc = out[0], out[1], float(out[2])
    assert str(venv) in where and str(ROOT) not in where, f'imported from the wrong place: {where}'
    assert tuple(map(int, fastcore_version.split('.')[:3])) >= (2, 2, 22), f"fastcore {fastcore_version} is not a current one"
    assert valid_acc > 0.8, f"the installed package did not train: validation accuracy {valid_acc}"
