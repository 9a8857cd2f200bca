"""Overhead of `ActivationStats` telemetry (hooks with `append_stats`) on a training run, vs no telemetry.

Same model, data, seed and lr (GeneralRelu CNN, lr 0.9, bs 512; on the generated stand-in lr 0.63,
as in the lessons, because 0.9 diverges there); runs with and without telemetry alternate, so that a
busy machine slows both alike. Each repeat gives one ratio (with / without, from a pair of adjacent
runs); the median and the spread of those ratios are reported, and the ratio of the best times.
Times are the process's CPU time (`time.process_time`, with one thread), not wall time: on a machine
shared with other work, wall times of the same run vary by 2x, CPU times far less. Target: median
ratio <= 1.3.

Measured (one epoch of MNIST, CPU time, 5 interleaved pairs, on the course's 2-core CPU): telemetry with
`ActivationStats`' default `hist_items=64` costs 1.15x a run without it (1.10 to 1.16); with histograms of
every item (`--hist-items 0`) 1.39x; the first version, which also copied each number to the CPU at every
batch, 1.48x.

    .venv/bin/python benchmarks/bench_hooks.py            # 1 epoch on MNIST's 50k images, 5 repeats
    .venv/bin/python benchmarks/bench_hooks.py --quick    # 10k images
    .venv/bin/python benchmarks/bench_hooks.py --hist-items 0   # histograms of every item (0: all)
"""
import argparse, statistics, sys, time
from pathlib import Path
import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from dl_foundations.course import set_seed
from common import mnist_dls, lecture_cnn
from dl_foundations.learner import Learner
from dl_foundations.training import AvgStatsCallback, accuracy
from dl_foundations.layers import DeviceCallback, BatchTransformCallback, view_tfm, default_device
from dl_foundations.telemetry import ActivationStats

def run(dls, epochs, lr, telemetry, hist_items):
    set_seed(0)
    model = lecture_cnn()
    cbs = [DeviceCallback(), BatchTransformCallback(view_tfm(1, 28, 28)), AvgStatsCallback([accuracy], log=False)]
    if telemetry: cbs.append(ActivationStats(hist_items=hist_items))
    learn = Learner(model, dls, F.cross_entropy, lr=lr, cbs=cbs)
    start = time.process_time(); learn.fit(epochs)
    return time.process_time() - start

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--quick', action='store_true', help='10,000 images')
    ap.add_argument('--epochs', type=int, default=1)
    ap.add_argument('--repeats', type=int, default=5)
    ap.add_argument('--hist-items', type=int, default=64, help="ActivationStats' hist_items (0: every item)")
    args = ap.parse_args()
    n = 10_000 if args.quick else 50_000
    hist_items = args.hist_items or None
    dls, mnist = mnist_dls(n)
    lr = 0.9 * (0.7 if mnist.is_stand_in else 1.)
    print(f'{mnist.source}, {n:,} train images, {args.epochs} epoch(s), lr {lr:g}, device {default_device()}, '
          f'{torch.get_num_threads()} thread(s), hist_items {hist_items}')
    run(dls, 1, lr, True, hist_items)  # warm up
    times, ratios = {True: [], False: []}, []
    for r in range(args.repeats):
        pair = {}
        for telemetry in ((False, True) if r % 2 == 0 else (True, False)):
            pair[telemetry] = t = run(dls, args.epochs, lr, telemetry, hist_items); times[telemetry].append(t)
        ratios.append(pair[True] / pair[False])
        print(f'  repeat {r}: CPU time with telemetry {pair[True]:6.2f}s, without {pair[False]:6.2f}s -> ratio {ratios[-1]:.3f}', flush=True)
    med = statistics.median(ratios)
    print(f'ratio with / without telemetry: median {med:.3f} (min {min(ratios):.3f}, max {max(ratios):.3f}, '
          f'{len(ratios)} interleaved pairs); best times {min(times[True]):.2f}s / {min(times[False]):.2f}s = '
          f'{min(times[True]) / min(times[False]):.3f}; target <= 1.3: {"met" if med <= 1.3 else "NOT met"}')

if __name__ == '__main__': main()
