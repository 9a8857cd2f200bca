"""Overhead of `Hooks` with `append_stats` (through `ActivationStats`) on a training run, vs no hooks.

Same model, data, seed and lr (GeneralRelu CNN, lr 0.9, bs 512); runs interleaved and repeated, best
times compared. Target: with hooks / without <= 1.3.

    .venv/bin/python benchmarks/bench_hooks.py            # 1 epoch on MNIST's 50k images, 3 repeats
    .venv/bin/python benchmarks/bench_hooks.py --quick    # 10k images
"""
import argparse, time
import torch
import torch.nn.functional as F

from dl_foundations.course import set_seed
from dl_foundations.data import get_mnist, normalize_to, DataLoaders
from dl_foundations.learner import Learner, AvgStatsCallback, accuracy
from dl_foundations.layers import DeviceCallback, BatchTransformCallback, view_tfm, get_cnn_model, init_cnn, default_device
from dl_foundations.hooks import ActivationStats

def run(dls, epochs, hooks):
    set_seed(0)
    model = init_cnn(get_cnn_model(1, 10, [8, 16, 32, 32], leak=0.1, sub=0.4, maxv=6.), leak=0.1)
    cbs = [DeviceCallback(), BatchTransformCallback(view_tfm(1, 28, 28)), AvgStatsCallback([accuracy], log=False)]
    if hooks: cbs.append(ActivationStats())
    learn = Learner(model, dls, F.cross_entropy, lr=0.9, cbs=cbs)
    start = time.perf_counter(); learn.fit(epochs)
    return time.perf_counter() - start

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--quick', action='store_true', help='10,000 images')
    ap.add_argument('--epochs', type=int, default=1)
    ap.add_argument('--repeats', type=int, default=3)
    args = ap.parse_args()
    n = 10_000 if args.quick else 50_000
    mnist = get_mnist(stand_in=True)
    x_train, x_valid = normalize_to(mnist.x_train[:n], mnist.x_valid)
    dls = DataLoaders.from_tensors(x_train, mnist.y_train[:n], x_valid, mnist.y_valid, bs=512)
    print(f'{mnist.source}, {len(x_train):,} train images, {args.epochs} epoch(s), device {default_device()}')
    times = {True: [], False: []}
    for r in range(args.repeats):
        for hooks in ((False, True) if r % 2 == 0 else (True, False)):
            t = run(dls, args.epochs, hooks); times[hooks].append(t)
            print(f'  repeat {r}: {"hooks" if hooks else "no hooks":8s} {t:6.1f}s', flush=True)
    b = {k: min(v) for k, v in times.items()}
    print(f'best: with hooks {b[True]:.1f}s, without {b[False]:.1f}s -> ratio {b[True]/b[False]:.3f} (target <= 1.3)')

if __name__ == '__main__': main()
