#!/usr/bin/env python
"""Open the course in JupyterLab: `make lab` runs this with the course venv's Python.

    make lab                 # http://127.0.0.1:8888, the repository root, the file browser at nbs/
    make lab PORT=8890       # another port
    make lab FULL=1          # every lesson run in this JupyterLab is in full mode (DL_FOUNDATIONS_FULL=1)

JupyterLab serves the repository root on 127.0.0.1 only (nothing on the network can reach it), with a token
in the URL it prints, and runs each notebook's kernel from this venv. Where it cannot start it says what to
do instead of falling back: a port already in use is named, with how to choose another (Jupyter would
otherwise move to the next free port, and the URL you expect would not answer).
"""
from __future__ import annotations

import argparse, os, socket, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_PORT = 8888

def port_in_use(port:int, host:str='127.0.0.1') -> bool:
    "Would JupyterLab fail to listen on `host:port`? (a bind with SO_REUSEADDR, as the server's own)."
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try: s.bind((host, port))
        except OSError: return True
    return False

def lab_args(port:int, root:Path=ROOT, open_browser:bool=True, extra:list[str]|None=None) -> list[str]:
    "The `jupyter lab` command line: loopback only, `root` served, the file browser opened at nbs/, no port fallback."
    exe = Path(sys.executable).with_name('jupyter-lab')
    # Jupyter refuses to start as root unless told; a container's root user is common, and the server listens on
    # loopback only, behind a token.
    root_ok = ['--ServerApp.allow_root=True'] if hasattr(os, 'geteuid') and os.geteuid() == 0 else []
    return [str(exe), f'--ServerApp.root_dir={root}', '--ServerApp.ip=127.0.0.1', f'--ServerApp.port={port}',
            '--ServerApp.port_retries=0', '--LabApp.default_url=/lab/tree/nbs',
            f'--ServerApp.open_browser={open_browser}', *root_ok, *(extra or [])]

def lab_env(full:bool=False, base:dict|None=None) -> dict:
    "The environment JupyterLab and its kernels run in."
    env = dict(os.environ if base is None else base)
    # The venv's own `python3` kernel, even where a user-wide kernel of the same name points at another Python.
    env['JUPYTER_PREFER_ENV_PATH'] = '1'
    # Figures inline in the notebook: a shell's MPLBACKEND=Agg (make test sets it) would leave every plot blank.
    if env.get('MPLBACKEND', '').lower() == 'agg': del env['MPLBACKEND']
    if full: env['DL_FOUNDATIONS_FULL'] = '1'
    return env

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--port', type=int, default=DEFAULT_PORT, help=f'port on 127.0.0.1 (default {DEFAULT_PORT})')
    ap.add_argument('--full', action='store_true', help='set DL_FOUNDATIONS_FULL=1: lessons run in full mode')
    ap.add_argument('--no-browser', action='store_true', help='only print the URL, do not open a browser')
    a = ap.parse_args(argv)
    exe = Path(sys.executable).with_name('jupyter-lab')
    if not exe.exists():
        sys.exit(f'make lab: JupyterLab is not installed in {exe.parent.parent}: run `make setup` (or `make lab`, '
                 'which sets up .venv first).')
    if port_in_use(a.port):
        free = next((p for p in range(a.port + 1, a.port + 50) if not port_in_use(p)), a.port + 2)
        sys.exit(f'make lab: port {a.port} on 127.0.0.1 is already in use (another JupyterLab, or another program).\n'
                 f'Choose another port, e.g.: make lab PORT={free}   (or stop what is using {a.port})')
    env = lab_env(full=a.full)
    from dl_foundations.course import env_flag
    os.environ.update(env)
    mode = 'full mode (DL_FOUNDATIONS_FULL is set)' if env_flag('DL_FOUNDATIONS_FULL') else 'quick mode (make lab FULL=1 for full mode)'
    print(f'make lab: JupyterLab on http://127.0.0.1:{a.port}, the lessons in nbs/, {mode}; Ctrl-C twice to stop.', flush=True)
    args = lab_args(a.port, open_browser=not a.no_browser)
    os.execve(args[0], args, env)

if __name__ == '__main__': main()
