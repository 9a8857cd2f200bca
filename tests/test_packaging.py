"""The package works outside the repo: build a wheel, install it into a fresh venv, import it from elsewhere."""
import os, subprocess, sys, zipfile
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
MODULES_TO_IMPORT = ['course', 'data', 'learner', 'layers', 'hooks', 'norm', 'init', 'text', 'vision', 'cam', 'stats']

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

def test_wheel_installs_and_imports_in_a_fresh_venv(wheel, tmp_path):
    venv = tmp_path / 'venv'
    run([sys.executable, '-m', 'venv', str(venv)])
    py = venv / 'bin' / 'python'
    # The pinned toolchain's constraints keep the install on the same (locally cached) torch build.
    run([str(py), '-m', 'pip', 'install', '-q', '-c', str(ROOT / 'requirements' / 'constraints.txt'), str(wheel)])
    present = [m for m in MODULES_TO_IMPORT if m in exported_modules()]
    code = ("import dl_foundations, importlib, sys; "
            f"mods = [importlib.import_module('dl_foundations.' + m) for m in {present!r}]; "
            "from dl_foundations.data import get_mnist, DataLoaders; "
            "print(dl_foundations.__file__, dl_foundations.__version__)")
    env = {k: v for k, v in os.environ.items() if k != 'PYTHONPATH'}
    out = run([str(py), '-c', code], cwd=tmp_path, env=env)
    assert str(venv) in out and str(ROOT) not in out.split()[0], f'imported from the wrong place: {out}'
