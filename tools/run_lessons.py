#!/usr/bin/env python3
"""Run the course's lesson notebooks top to bottom and print the reproduction table.

Quick mode (default) drops cells flagged `#| slow` or `#| full`, exactly as `nbdev_test` does, and runs
on small data.  `--full` (or `FULL=1 make course`) runs everything on the real data.  Executed copies,
the per-lesson figure records and the table go to `_course/<mode>/` (git-ignored), never over the
committed notebooks.  `--publish` (full mode only) additionally copies each executed notebook back
into `nbs/`, cleaned, so the documentation shows a real full run: review the diff before committing.

The summary says how long each lesson took.  Each successful run's time is also kept in
`_course/<mode>/times.json`, so that a full-mode summary can show, for the lessons it did not run,
how long their last full run on this machine took (and when): what a full run of the course costs.

Longer runs than full mode have switches of their own, read by the lessons (the runner passes the
environment on): `DL_FOUNDATIONS_LONG=1` with `--full` trains 09a's LSTM on to the lecture's 80 epochs
(full mode stops at its first figure, after 17).

    python tools/run_lessons.py                      # every lesson, quick mode
    python tools/run_lessons.py --full --lesson 05   # one lesson (by number or name), full mode
    DL_FOUNDATIONS_LONG=1 python tools/run_lessons.py --full --lesson 09a   # the LSTM to 80 epochs
"""
import argparse, json, os, re, shutil, subprocess, sys, tempfile, time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NBS = ROOT / 'nbs'
SKIP_FLAGS = ('slow', 'full')

def lessons(selected=None):
    "Numbered notebooks in `nbs/`, optionally those whose name starts with one of `selected` (which may name 'index', the home page)."
    from dl_foundations.course import lesson_notebooks
    nbs = lesson_notebooks(NBS)
    if selected: nbs = [p for p in nbs if any(p.stem.startswith(s) for s in selected)] + [NBS/'index.ipynb'] * ('index' in selected)
    return nbs

def is_skipped(cell):
    "Does this cell carry a `#| slow` or `#| full` directive?"
    src = ''.join(cell.source) if isinstance(cell.source, list) else cell.source
    return any(re.match(rf'^\s*#\s*\|\s*{f}\s*$', line) for line in src.splitlines() for f in SKIP_FLAGS)

def run_lesson(path, out_dir, full, timeout):
    "Execute one notebook in a fresh kernel; its figures go to `out_dir/<name>.jsonl`, the executed copy beside it."
    import nbformat
    from traitlets.config import Config
    from nbclient import NotebookClient
    nb = nbformat.read(path, as_version=4)
    if not full: nb.cells = [c for c in nb.cells if not (c.cell_type == 'code' and is_skipped(c))]
    record = out_dir / f'{path.stem}.jsonl'
    record.unlink(missing_ok=True)
    # DL_FOUNDATIONS_PROGRESS=0: an executed copy would keep its progress bars frozen at their first update
    env = dict(os.environ, DL_FOUNDATIONS_RECORD=str(record), DL_FOUNDATIONS_LESSON=path.stem, DL_FOUNDATIONS_PROGRESS="0",
               DL_FOUNDATIONS_FULL='1' if full else '0', MPLBACKEND='module://matplotlib_inline.backend_inline')
    # The kernel talks to us over local (IPC) sockets in a private temporary folder, not TCP: nothing
    # listens on the network, and ipykernel has no reason to warn that TCP traffic is unencrypted.
    sockets = tempfile.mkdtemp(prefix='dl_foundations-kernel-')
    ipc = Config({'KernelManager': {'transport': 'ipc', 'ip': os.path.join(sockets, 'kernel')}})
    client = NotebookClient(nb, config=ipc, timeout=timeout, kernel_name='python3', resources={'metadata': {'path': str(NBS)}})
    start = time.time()
    try: client.execute(env=env)
    finally:
        nbformat.write(nb, out_dir / path.name)  # keep the executed copy, even a failed one, for reading
        shutil.rmtree(sockets, ignore_errors=True)
    return time.time() - start

TIMES = 'times.json'  # in _course/<mode>/: how long each lesson's last successful run there took

def load_times(out_dir) -> dict:
    "The recorded run time of each lesson in `out_dir` (`{stem: {'seconds', 'date', 'hardware'}}`); empty if none or unreadable."
    try: return json.loads((Path(out_dir) / TIMES).read_text(encoding='utf-8'))
    except (OSError, ValueError): return {}

def save_time(out_dir, stem:str, seconds:float, hardware:str):
    "Record that lesson `stem` ran successfully in `seconds` on `hardware`, today."
    times = load_times(out_dir)
    times[stem] = dict(seconds=round(seconds, 1), date=time.strftime('%Y-%m-%d'), hardware=hardware)
    (Path(out_dir) / TIMES).write_text(json.dumps(times, indent=1, sort_keys=True) + '\n', encoding='utf-8')

def duration(seconds:float) -> str:
    "A run time for people: '42s', '12.5 min', '1 h 05 min'."
    if seconds < 60: return f'{seconds:.0f}s'
    if seconds < 3600: return f'{seconds / 60:.1f} min'
    h, m = divmod(round(seconds / 60), 60)
    return f'{h} h {m:02d} min'

def time_summary(mode:str, ran:dict, failed:dict, recorded:dict, lessons_all:list) -> list:
    "Lines saying how long each lesson took: this run's lessons, and in full mode the others' last recorded full runs."
    lines = [f'Time per lesson ({mode} mode):']
    known = {}
    for stem in lessons_all:
        if stem in ran:
            known[stem] = ran[stem]; lines.append(f'  {stem:<22} {duration(ran[stem]):>11}  this run')
        elif stem in failed: lines.append(f'  {stem:<22} {duration(failed[stem]):>11}  this run, FAILED')
        elif mode == 'full':
            rec = recorded.get(stem)
            if rec:
                known[stem] = rec['seconds']
                lines.append(f"  {stem:<22} {duration(rec['seconds']):>11}  not run now; its last full run here ({rec['date']}, {rec['hardware']})")
            else: lines.append(f'  {stem:<22} {"?":>11}  not run now, and no full run of it is recorded here')
    if mode == 'full':
        missing = [s for s in lessons_all if s not in known]
        total = f'  all {len(lessons_all)} lessons: {duration(sum(known.values()))}'
        lines.append(total + (f' for the {len(known)} whose times are known ({len(missing)} unknown)' if missing else ''))
    return lines

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--full', action='store_true', default=os.environ.get('FULL', '') not in ('', '0'),
                    help='run the lectures\' full experiments on the real data (also: FULL=1)')
    ap.add_argument('--lesson', nargs='*', help="only these lessons, by number or name prefix (e.g. 05 09_rnn; 09 alone also matches 09a); 'index' runs the home page")
    ap.add_argument('--publish', action='store_true', help='copy executed full-mode notebooks back into nbs/ (cleaned)')
    ap.add_argument('--timeout', type=int, default=None, help='seconds allowed per cell (default: none in full mode, 600 in quick)')
    args = ap.parse_args(argv)
    if args.publish and not args.full: ap.error('--publish only makes sense with --full: committed notebooks show full runs')
    sys.path.insert(0, str(ROOT))
    from dl_foundations.course import load_records, reproduction_table

    mode = 'full' if args.full else 'quick'
    out_dir = ROOT / '_course' / mode
    out_dir.mkdir(parents=True, exist_ok=True)
    todo = lessons(args.lesson)
    if not todo: sys.exit(f'No lesson matches {args.lesson}; lessons are {[p.stem for p in lessons()]}')
    if not args.lesson:  # a full course run starts from an empty record folder
        for p in out_dir.glob('*.jsonl'): p.unlink()
    data = os.environ.get('DL_FOUNDATIONS_DATA', '~/.cache/dl_foundations/data (the default; set DL_FOUNDATIONS_DATA)')
    print(f'Running {len(todo)} lesson(s) in {mode} mode; data: {data}; executed copies in {out_dir.relative_to(ROOT)}/', flush=True)
    from dl_foundations.course import hardware_name
    failed, timings = {}, {}
    for path in todo:
        print(f'  {path.stem:<22}', end=' ', flush=True)
        start = time.time()
        try:
            secs = run_lesson(path, out_dir, args.full, args.timeout or (None if args.full else 600))
            timings[path.stem] = secs; print(f'ok   {secs:6.1f}s', flush=True)
            save_time(out_dir, path.stem, secs, hardware_name())
        except Exception as e:
            failed[path.stem] = time.time() - start
            msg = str(e).strip().splitlines()
            print(f'FAILED: {msg[-1] if msg else type(e).__name__} (see {out_dir.relative_to(ROOT)}/{path.name})', flush=True)
            continue
        if args.publish:
            shutil.copy(out_dir / path.name, path)

            subprocess.run([str(Path(sys.executable).with_name('nbdev_clean')), '--fname', str(path)], check=True, cwd=ROOT)

    table = reproduction_table(load_records(out_dir))
    (out_dir / 'reproduction.md').write_text(f'# Reproduction table ({mode} mode)\n\n{table}\n', encoding='utf-8')
    print(f'\nReproduction table ({mode} mode; also in {out_dir.relative_to(ROOT)}/reproduction.md):\n')
    print(table)
    print()
    print('\n'.join(time_summary(mode, timings, failed, load_times(out_dir), [p.stem for p in lessons()] + [
        p.stem for p in todo if p.stem == 'index'])))
    print(f'\n{len(timings)} lesson(s) ran in {duration(sum(timings.values()))}' + (f'; FAILED: {", ".join(failed)}' if failed else ''))
    sys.exit(1 if failed else 0)

if __name__ == '__main__':
    main()
