"""Loopback tests of the data layer (`dl_foundations.files`, `readers`, `mnist`, `data` and `datasets`): downloads that fail
in every way we know, offline mode, corrupt files, unsafe archives, stand-ins and cache invalidation. Nothing here touches the internet: the HTTP server
runs in a thread on 127.0.0.1 and every fixture is generated in a temporary folder."""
import gzip, hashlib, http.server, io, os, socket, struct, tarfile, threading, time, warnings
from pathlib import Path

import pytest
import torch

import dl_foundations.mnist as mnist
import dl_foundations.datasets as datasets
import dl_foundations.files as files
import dl_foundations.readers as readers
from dl_foundations.files import ChecksumError, DataNotFoundError, DownloadError, RemoteFile, download
from dl_foundations.readers import extract_archive, read_idx, write_idx
from dl_foundations.data import get_mnist
from dl_foundations.datasets import get_cifar10, get_dogscats, get_nietzsche

GOOD = os.urandom(200_000)
GOOD_SHA = hashlib.sha256(GOOD).hexdigest()


class Handler(http.server.BaseHTTPRequestHandler):
    "Serves /good, /truncated (announces more than it sends), /corrupt, /stall (stops mid-stream); anything else is 404."
    def log_message(self, *args): pass

    def do_GET(self):
        if self.path == '/good': return self._send(GOOD)
        if self.path == '/corrupt': return self._send(bytes(len(GOOD)))  # right size, wrong bytes
        if self.path == '/truncated':
            self._headers(len(GOOD)); self.wfile.write(GOOD[:50_000]); self.wfile.flush()
            self.close_connection = True; return
        if self.path == '/stall':
            self._headers(len(GOOD)); self.wfile.write(GOOD[:50_000]); self.wfile.flush()
            time.sleep(3); return  # keeps the connection open, sends nothing more
        self.send_error(404, 'Not Found')

    def _headers(self, n):
        self.send_response(200); self.send_header('Content-Length', str(n)); self.end_headers()

    def _send(self, body):
        self._headers(len(body)); self.wfile.write(body)


@pytest.fixture(scope='module')
def server():
    httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, kwargs={'poll_interval': 0.1}, daemon=True)
    thread.start()
    yield f'http://127.0.0.1:{httpd.server_address[1]}'
    httpd.shutdown(); httpd.server_close()


@pytest.fixture
def env(tmp_path, monkeypatch):
    "An empty data folder and cache, network allowed (the loopback server is the only network used)."
    (tmp_path/'data').mkdir()
    monkeypatch.setenv('DL_FOUNDATIONS_DATA', str(tmp_path/'data'))
    monkeypatch.setenv('DL_FOUNDATIONS_CACHE', str(tmp_path/'cache'))
    monkeypatch.delenv('DL_FOUNDATIONS_OFFLINE', raising=False)
    return tmp_path


def leftovers(folder):
    return sorted(p.name for p in Path(folder).iterdir()) if Path(folder).exists() else []


def test_good_download(server, env):
    dest = env/'dl'/'good.bin'
    download(f'{server}/good', dest, sha256=GOOD_SHA, size=len(GOOD), progress=False)
    assert dest.read_bytes() == GOOD
    assert leftovers(env/'dl') == ['good.bin']


@pytest.mark.parametrize('path, expected', [
    ('/truncated', 'cut short: received 50,000 of the 200,000 bytes'),
    ('/corrupt', f'expected {GOOD_SHA}'),
    ('/missing', 'HTTP 404'),
    ('/stall', 'stopped sending after'),
])
def test_failed_download_leaves_nothing(server, env, path, expected):
    dest = env/'dl'/'file.bin'
    start = time.time()
    with pytest.raises(DownloadError) as info:
        download(f'{server}{path}', dest, sha256=GOOD_SHA, size=len(GOOD), timeout=1, progress=False)
    msg = str(info.value)
    assert expected in msg and 'file.bin' in msg and f'{server}{path}' in msg and 'nothing was saved' in msg
    assert leftovers(env/'dl') == []  # no partial file, no temp file
    assert time.time() - start < 10


def test_wrong_size(server, env):
    with pytest.raises(DownloadError, match='expected 123'):
        download(f'{server}/good', env/'x.bin', size=123, progress=False)
    assert not (env/'x.bin').exists()


def test_mirror_fallback(server, env):
    dest = env/'dl'/'good.bin'
    download([f'{server}/missing', f'{server}/good'], dest, sha256=GOOD_SHA, progress=False)
    assert dest.read_bytes() == GOOD


def test_fetch_downloads_into_writable_data_dir(server, env):
    rf = RemoteFile('thing.bin', [f'{server}/good'], len(GOOD), sha256=GOOD_SHA)
    path = files.fetch(rf, progress=False)
    assert path == env/'data'/'thing.bin' and path.read_bytes() == GOOD
    assert files.fetch(rf) == path  # second time: found locally, no download


def test_fetch_into_cache_when_data_dir_read_only(server, env):
    os.chmod(env/'data', 0o555)
    try:
        if os.access(env/'data', os.W_OK): pytest.skip('running as a user who can write anywhere')
        path = files.fetch(RemoteFile('thing.bin', [f'{server}/good'], len(GOOD), sha256=GOOD_SHA), progress=False)
        assert path.parent == env/'cache'/'downloads'
    finally: os.chmod(env/'data', 0o755)


def test_offline_error(env, monkeypatch):
    monkeypatch.setenv('DL_FOUNDATIONS_OFFLINE', '1')
    with pytest.raises(DataNotFoundError) as info:
        download('http://127.0.0.1:9/never', env/'x.bin')
    assert 'DL_FOUNDATIONS_OFFLINE' in str(info.value) and 'DL_FOUNDATIONS_DATA' in str(info.value)
    with pytest.raises(DataNotFoundError) as info:
        get_nietzsche()
    msg = str(info.value)
    assert 'nietzsche.txt' in msg and 'https://s3.amazonaws.com/text-datasets/nietzsche.txt' in msg and 'DL_FOUNDATIONS_DATA' in msg


def test_corrupt_local_file_rejected(env, monkeypatch):
    monkeypatch.setenv('DL_FOUNDATIONS_OFFLINE', '1')
    (env/'data'/'nietzsche.txt').write_text('not nietzsche')
    with pytest.raises(ChecksumError, match='nietzsche.txt has 13 bytes, expected 600,918'):
        get_nietzsche(stand_in=True)  # a corrupt file is an error, never silently replaced by a stand-in


def _tgz(path, members):
    with tarfile.open(path, 'w:gz') as tar:
        for name, payload in members.items():
            info = tarfile.TarInfo(name); info.size = len(payload); tar.addfile(info, io.BytesIO(payload))
    return path


def test_safe_extraction_refuses_escapes(env):
    for name, bad in (('dotdot', '../evil.txt'), ('abs', '/tmp/evil_dl_foundations.txt'), ('nested', 'ok/../../evil.txt')):
        archive = _tgz(env/f'{name}.tgz', {'fine.txt': b'ok', bad: b'evil'})
        with pytest.raises(ValueError, match='refusing'):
            extract_archive(archive, env/'out'/name)
        assert not (env/'out'/name).exists()
    assert leftovers(env/'out') == []  # no half-extracted or temporary folders
    assert not (env/'evil.txt').exists() and not Path('/tmp/evil_dl_foundations.txt').exists()


def test_safe_extraction_refuses_links(env):
    archive = env/'link.tgz'
    with tarfile.open(archive, 'w:gz') as tar:
        info = tarfile.TarInfo('link'); info.type = tarfile.SYMTYPE; info.linkname = '/etc/passwd'; tar.addfile(info)
    with pytest.raises(ValueError, match='link'):
        extract_archive(archive, env/'out')
    assert not (env/'out').exists()


def test_stand_ins_when_offline_and_empty(env, monkeypatch):
    monkeypatch.setenv('DL_FOUNDATIONS_OFFLINE', '1')
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        bundles = [get_mnist(stand_in=True), get_cifar10(stand_in=True, n_train=100, n_valid=50),
                   get_nietzsche(stand_in=True), get_dogscats(stand_in=True, size=32, n_train=10, n_valid=6)]
    for b in bundles:
        assert b.is_stand_in and b.source.endswith('stand-in (generated)')
    assert len([w for w in caught if 'stand-in' in str(w.message)]) == 4
    x, y, xv, yv = bundles[0]
    assert x.shape[1] == 784 and 0 <= x.min() and x.max() < 1
    assert bundles[1].x_train.shape == (100, 3, 32, 32) and bundles[3].x_train.shape == (10, 3, 32, 32)
    with pytest.raises(DataNotFoundError, match='train-images-idx3-ubyte'):
        get_mnist()


def _mnist_files(folder, n_train=60000, n_test=10000):
    "Tiny-valued but correctly shaped IDX files would be large; instead write small ones and patch the checks."
    g = torch.Generator().manual_seed(0)
    folder.mkdir(parents=True, exist_ok=True)
    write_idx(torch.randint(0, 256, (n_train, 28, 28), generator=g, dtype=torch.uint8), folder/'train-images-idx3-ubyte')
    write_idx(torch.randint(0, 10, (n_train,), generator=g, dtype=torch.uint8), folder/'train-labels-idx1-ubyte.gz')
    write_idx(torch.randint(0, 256, (n_test, 28, 28), generator=g, dtype=torch.uint8), folder/'t10k-images-idx3-ubyte.gz')
    write_idx(torch.randint(0, 10, (n_test,), generator=g, dtype=torch.uint8), folder/'t10k-labels-idx1-ubyte')


def test_mnist_from_mixed_forms(env, monkeypatch):
    "Each IDX file accepted gzipped or not, each checked against the checksum of the form found."
    monkeypatch.setenv('DL_FOUNDATIONS_OFFLINE', '1')
    _mnist_files(env/'data'/'mnist')
    patched = {}
    for key, forms in mnist.MNIST_FILES.items():
        patched[key] = [RemoteFile(f.name, f.urls, None, sha256=(hashlib.sha256((env/'data'/'mnist'/f.name).read_bytes()).hexdigest()
                                                                 if (env/'data'/'mnist'/f.name).exists() else None)) for f in forms]
    monkeypatch.setattr(mnist, 'MNIST_FILES', patched)
    b = get_mnist()
    assert (len(b.x_train), len(b.x_valid), len(b.x_test)) == (50000, 10000, 10000) and not b.is_stand_in
    raw = read_idx(env/'data'/'mnist'/'train-images-idx3-ubyte')
    assert torch.equal(b.x_valid[0], raw[50000].flatten().float() / 256)
    (env/'data'/'mnist'/'t10k-labels-idx1-ubyte').write_bytes(b'\0\0\x08\x01' + bytes(4))  # corrupt one file
    with pytest.raises(ChecksumError, match='t10k-labels-idx1-ubyte has'):
        get_mnist(stand_in=True)


def _cifar_jpeg_archive(path, colour):
    from PIL import Image
    members = {}
    for split, n in (('train', 3), ('test', 1)):
        for c in datasets.CIFAR_CLASSES:
            for i in range(n):
                buf = io.BytesIO(); Image.new('RGB', (32, 32), colour).save(buf, 'JPEG'); members[f'cifar10/{split}/{c}/{i:04d}.jpg'] = buf.getvalue()
    return _tgz(path, members)


def test_cifar_cache_invalidated_when_source_changes(env, monkeypatch):
    monkeypatch.setenv('DL_FOUNDATIONS_OFFLINE', '1')
    archive = env/'data'/'cifar10-jpeg-q75.tgz'
    for colour in ((250, 0, 0), (0, 0, 250)):
        _cifar_jpeg_archive(archive, colour)
        monkeypatch.setattr(datasets, 'CIFAR_JPEG', RemoteFile(archive.name, [], archive.stat().st_size, sha256=hashlib.sha256(archive.read_bytes()).hexdigest()))
        b = get_cifar10(n_train=20, n_valid=10)
        assert b.source == 'CIFAR-10 (JPEG q75 copy)' and b.x_train.shape == (20, 3, 32, 32)
        assert b.y_train.bincount(minlength=10).tolist() == [2]*10
        channel = 0 if colour[0] else 2
        assert b.x_train[:, channel].mean() > 0.9  # the images of *this* archive, not the cached ones of the last
        caches = list((env/'cache'/'cifar10').glob('*.pt'))
        assert len(caches) == 1 and hashlib.sha256(archive.read_bytes()).hexdigest()[:16] in caches[0].name
    # the cache is used: a second load does not decode again
    monkeypatch.setattr(readers, 'decode_images', lambda *a, **k: pytest.fail('decoded again despite a valid cache'))
    get_cifar10(n_train=20, n_valid=10)


# --- The download budget of quick mode, measured on loopback ----------------------------------------------
# Every downloadable dataset file is served from 127.0.0.1 as a small but valid fake under its canonical
# name; the server counts the bytes it sends per file. We then load every dataset the way the quick-mode
# lessons do (stand_in=True) and add up the canonical sizes of the files that were asked for.
QUICK_BUDGET = 200_000_000  # bytes: what a learner's first `make course` / `make test` may download


def _canonical_files():
    "{name: RemoteFile} of every file the data layer can download, as shipped."
    forms = [f for fs in mnist.MNIST_FILES.values() for f in fs] + [datasets.CIFAR_TARBALL, datasets.CIFAR_PNG, datasets.NIETZSCHE, datasets.DOGSCATS_FULL]
    return {f.name: f for f in forms if f.urls}

CANONICAL = _canonical_files()  # read at import, before any test points the data layer at the fakes


def _fake_payloads():
    "Small valid stand-ins for each downloadable file, under its canonical name."
    import pickle
    from PIL import Image
    def idx(t):
        arr = t.numpy()
        body = bytes([0, 0, 0x08, arr.ndim]) + struct.pack(f'>{arr.ndim}I', *arr.shape) + arr.tobytes()
        return gzip.compress(body, mtime=0)
    out = {'train-images-idx3-ubyte.gz': idx(torch.zeros(60000, 28, 28, dtype=torch.uint8)),
           'train-labels-idx1-ubyte.gz': idx((torch.arange(60000) % 10).to(torch.uint8)),
           't10k-images-idx3-ubyte.gz': idx(torch.zeros(10000, 28, 28, dtype=torch.uint8)),
           't10k-labels-idx1-ubyte.gz': idx((torch.arange(10000) % 10).to(torch.uint8)),
           'nietzsche.txt': b'SUPPOSING that Truth is a woman--what then?\n' * 20}
    members = {}
    for name in [f'data_batch_{i}' for i in range(1, 6)] + ['test_batch']:
        members[f'cifar-10-batches-py/{name}'] = pickle.dumps({b'data': torch.zeros(20, 3072, dtype=torch.uint8).numpy(),
                                                               b'labels': [i % 10 for i in range(20)]})
    out['cifar-10-python.tar.gz'] = _tgz_bytes(members)
    photos = {}
    for split, n in (('train', 4), ('valid', 2)):
        for c in ('cats', 'dogs'):
            for i in range(n):
                buf = io.BytesIO(); Image.new('RGB', (40, 30), (200, 10, 10) if c == 'cats' else (10, 10, 200)).save(buf, 'JPEG')
                photos[f'dogscats/{split}/{c}/{c[:-1]}.{i}.jpg'] = buf.getvalue()
    out['dogscats.tgz'] = _tgz_bytes(photos)
    out['cifar10.tgz'] = _tgz_bytes({'cifar10/train/cat/0.png': b'never used'})
    return out


def _tgz_bytes(members):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode='w:gz') as tar:
        for name, payload in members.items():
            info = tarfile.TarInfo(name); info.size = len(payload); tar.addfile(info, io.BytesIO(payload))
    return buf.getvalue()


@pytest.fixture(scope='module')
def dataset_server():
    "Serves the fakes at /<canonical name>; `sent` counts the bytes sent per name."
    payloads, sent = _fake_payloads(), {}
    class Files(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args): pass
        def do_GET(self):
            name = self.path.rsplit('/', 1)[-1]
            if name not in payloads: return self.send_error(404, 'Not Found')
            body = payloads[name]
            self.send_response(200); self.send_header('Content-Length', str(len(body))); self.end_headers()
            self.wfile.write(body); sent[name] = sent.get(name, 0) + len(body)
    httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Files)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, kwargs={'poll_interval': 0.1}, daemon=True).start()
    yield f'http://127.0.0.1:{httpd.server_address[1]}', payloads, sent
    httpd.shutdown(); httpd.server_close()


@pytest.fixture
def served(dataset_server, env, monkeypatch):
    "The data layer's files pointed at the loopback server (sizes and checksums of the fakes; `large` as shipped)."
    import dataclasses
    url, payloads, sent = dataset_server
    sent.clear()
    monkeypatch.delenv('DL_FOUNDATIONS_FULL', raising=False)
    monkeypatch.delenv('DL_FOUNDATIONS_DOWNLOAD_LARGE', raising=False)
    def point(f):
        if not f.urls: return f
        body = payloads[f.name]
        return dataclasses.replace(f, urls=[f'{url}/{f.name}'], size=len(body), sha256=hashlib.sha256(body).hexdigest(), md5=None)
    monkeypatch.setattr(mnist, 'MNIST_FILES', {k: [point(f) for f in fs] for k, fs in mnist.MNIST_FILES.items()})
    for name in ('CIFAR_TARBALL', 'CIFAR_PNG', 'NIETZSCHE', 'DOGSCATS_FULL'):
        monkeypatch.setattr(datasets, name, point(getattr(datasets, name)))
    return sent


def _load_everything_as_quick_mode_does():
    "Every loader the lessons call, with stand_in=True as in quick mode (small subsets: the fakes are small)."
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        bundles = dict(mnist=get_mnist(stand_in=True), nietzsche=get_nietzsche(stand_in=True),
                       cifar=get_cifar10(stand_in=True, n_train=20, n_valid=10),
                       dogscats=get_dogscats(stand_in=True, size=32, n_train=4, n_valid=2))
    return bundles, [str(w.message) for w in caught]


def test_quick_mode_download_budget(served, capsys):
    canonical = CANONICAL
    assert canonical['cifar-10-python.tar.gz'].size == 170_498_071 and canonical['dogscats.tgz'].size == 839_285_364
    bundles, warned = _load_everything_as_quick_mode_does()
    asked = sorted(served)
    assert asked == sorted(['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz',
                            't10k-labels-idx1-ubyte.gz', 'nietzsche.txt', 'cifar-10-python.tar.gz']), asked
    total = sum(canonical[n].size for n in asked)  # what these requests cost with the real files
    assert total <= QUICK_BUDGET, f'quick mode would download {total:,} bytes, over the {QUICK_BUDGET:,} budget'
    assert not any(canonical[n].large for n in asked), 'quick mode downloaded a file marked large'
    # each file came once, whole; what it got is real data, except dogs vs cats, which fell back and said why
    assert all(served[n] == len(_fake_payloads()[n]) for n in asked)
    assert [k for k, b in bundles.items() if b.is_stand_in] == ['dogscats']
    assert any('DL_FOUNDATIONS_DOWNLOAD_LARGE=1' in w and 'dogscats.tgz' in w for w in warned), warned
    # a second run finds everything on disk: nothing more is downloaded
    before = dict(served)
    _load_everything_as_quick_mode_does()
    assert served == before
    with pytest.raises(DataNotFoundError, match='large download .*DL_FOUNDATIONS_DOWNLOAD_LARGE=1'):
        get_dogscats(size=32)
    out = capsys.readouterr().out
    assert 'Downloading cifar-10-python.tar.gz' in out, 'a download should say what it fetches'
    with capsys.disabled():
        print(f'\nquick mode asked for {len(asked)} files: {total:,} bytes of canonical files (budget {QUICK_BUDGET:,})')


@pytest.mark.parametrize('setting', ['DL_FOUNDATIONS_DOWNLOAD_LARGE', 'DL_FOUNDATIONS_FULL'])
def test_large_downloads_when_asked(served, monkeypatch, setting):
    monkeypatch.setenv(setting, '1')
    b = get_dogscats(stand_in=True, size=32, n_train=4, n_valid=2)
    assert 'dogscats.tgz' in served and not b.is_stand_in and b.source == 'dogs vs cats (fast.ai dogscats)'
    assert b.y_train.tolist().count(0) == 2 and b.x_train.shape == (4, 3, 32, 32)
