"""A headless Chromium driven over the DevTools protocol on a pipe: render a page, run JavaScript in it, screenshot it.

Used by tests/test_docs.py and tools/docs_audit.py to look at the offline docs as a reader's browser shows them
(after the page's scripts ran, with real layout: widths, wrapped lines, loaded images). No websocket library,
no network: Chromium's `--remote-debugging-pipe` reads NUL-terminated JSON commands on fd 3 and answers on fd 4.

    with Chromium() as browser:
        page = browser.open(Path('_docs_offline/index.html'), width=1280)
        title = page.evaluate('document.title')
        page.screenshot(Path('home.png'))
"""
from __future__ import annotations

import base64, json, os, select, shutil, subprocess, tempfile, time
from pathlib import Path

FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync',
         '--disable-default-apps', '--disable-extensions', '--mute-audio', '--hide-scrollbars',
         '--font-render-hinting=none']

def find_chromium() -> str | None:
    "The Chromium on this machine: $CHROMIUM, else `chromium` / `chromium-browser` / `google-chrome` on PATH."
    for b in (os.environ.get('CHROMIUM'), 'chromium', 'chromium-browser', 'google-chrome'):
        if b and shutil.which(b): return shutil.which(b)
    return None

class BrowserError(RuntimeError): pass

class Chromium:
    "One headless Chromium process with a fresh profile; `open` gives a `Page` per URL."
    def __init__(self, exe:str|None=None, timeout:float=60):
        self.exe = exe or find_chromium()
        if not self.exe: raise BrowserError('no chromium on PATH: run tools/install_chromium.sh')
        self.timeout, self._id, self._buf, self.proc, self._events = timeout, 0, b'', None, []

    def __enter__(self):
        self.profile = tempfile.mkdtemp(prefix='docs_chromium_')
        to_child_r, self._w = os.pipe()   # we write commands, chromium reads them on fd 3
        self._r, from_child_w = os.pipe()  # chromium writes answers on fd 4, we read them
        def wire():  # in the child: the two pipe ends become fds 3 and 4 (via high numbers: they may be 3 or 4 already)
            a, b = os.dup2(to_child_r, 250), os.dup2(from_child_w, 251)
            os.dup2(a, 3); os.dup2(b, 4); os.close(a); os.close(b)
        self.proc = subprocess.Popen([self.exe, *FLAGS, f'--user-data-dir={self.profile}', '--remote-debugging-pipe',
                                      'about:blank'], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, close_fds=False, preexec_fn=wire)
        os.close(to_child_r); os.close(from_child_w)
        return self

    def __exit__(self, *exc):
        try:
            if self.proc and self.proc.poll() is None:
                try: self.send('Browser.close', timeout=5)
                except BrowserError: pass
                try: self.proc.wait(timeout=10)
                except subprocess.TimeoutExpired: self.proc.kill(); self.proc.wait()
        finally:
            for fd in (self._w, self._r):
                try: os.close(fd)
                except OSError: pass
            shutil.rmtree(self.profile, ignore_errors=True)

    # -- the protocol
    def _read_message(self, deadline:float) -> dict:
        while b'\0' not in self._buf:
            left = deadline - time.time()
            if left <= 0: raise BrowserError('chromium did not answer in time')
            ready, _, _ = select.select([self._r], [], [], left)
            if not ready: continue
            chunk = os.read(self._r, 1 << 20)
            if not chunk:
                err = self.proc.stderr.read().decode(errors='replace')[-2000:] if self.proc.stderr else ''
                raise BrowserError(f'chromium exited (code {self.proc.poll()}):\n{err}')
            self._buf += chunk
        msg, _, self._buf = self._buf.partition(b'\0')
        return json.loads(msg)

    def send(self, method:str, params:dict|None=None, session:str|None=None, timeout:float|None=None) -> dict:
        "Send one command and wait for its answer (events that arrive meanwhile are kept for `wait_event`)."
        self._id += 1
        msg = {'id': self._id, 'method': method, 'params': params or {}}
        if session: msg['sessionId'] = session
        os.write(self._w, json.dumps(msg).encode() + b'\0')
        deadline = time.time() + (timeout or self.timeout)
        while True:
            m = self._read_message(deadline)
            if m.get('id') == self._id:
                if 'error' in m: raise BrowserError(f'{method}: {m["error"].get("message")}')
                return m.get('result', {})
            self._events.append(m)

    def wait_event(self, method:str, session:str|None=None, timeout:float|None=None) -> dict:
        deadline = time.time() + (timeout or self.timeout)
        while True:
            for i, m in enumerate(self._events):
                if m.get('method') == method and (session is None or m.get('sessionId') == session):
                    return self._events.pop(i)
            self._events.append(self._read_message(deadline))

    def open(self, url, width:int=1280, height:int=900) -> 'Page':
        "A new tab at `width` x `height` CSS pixels showing `url` (a Path or a URL), once its load event fired."
        if isinstance(url, Path): url = url.resolve().as_uri()
        target = self.send('Target.createTarget', {'url': 'about:blank'})['targetId']
        session = self.send('Target.attachToTarget', {'targetId': target, 'flatten': True})['sessionId']
        page = Page(self, target, session)
        page.send('Page.enable'); page.send('Runtime.enable')
        page.send('Emulation.setDeviceMetricsOverride', {'width': width, 'height': height, 'deviceScaleFactor': 1, 'mobile': False})
        page.send('Page.navigate', {'url': url})
        self.wait_event('Page.loadEventFired', session)
        page.evaluate('document.fonts ? document.fonts.ready.then(() => true) : true')
        return page

class Page:
    "A tab of `Chromium`: evaluate JavaScript (values come back as JSON), take screenshots, close."
    def __init__(self, browser:Chromium, target:str, session:str):
        self.browser, self.target, self.session = browser, target, session
        self.console = []

    def send(self, method, params=None): return self.browser.send(method, params, session=self.session)

    def evaluate(self, expression:str):
        "The value of a JavaScript expression (promises are awaited); a thrown error raises BrowserError."
        res = self.send('Runtime.evaluate', {'expression': expression, 'returnByValue': True, 'awaitPromise': True})
        if 'exceptionDetails' in res:
            d = res['exceptionDetails']
            raise BrowserError(f'JavaScript error: {d.get("exception", {}).get("description") or d.get("text")}')
        return res.get('result', {}).get('value')

    def screenshot(self, path:Path, full_page:bool=False, max_height:int=4000) -> Path:
        "Save a PNG of the viewport (or of the page from the top, at most `max_height` px tall)."
        params = {'format': 'png'}
        if full_page:
            w, h = self.evaluate('[document.documentElement.clientWidth, document.documentElement.scrollHeight]')
            params.update(clip={'x': 0, 'y': 0, 'width': w, 'height': min(h, max_height), 'scale': 1}, captureBeyondViewport=True)
        data = self.send('Page.captureScreenshot', params)['data']
        path = Path(path); path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))
        return path

    def close(self):
        try: self.browser.send('Target.closeTarget', {'targetId': self.target})
        except BrowserError: pass
