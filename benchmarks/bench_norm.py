"""Forward + backward time of our BatchNorm and RunningBatchNorm against PyTorch's nn.BatchNorm2d, on the CPU.

    .venv/bin/python benchmarks/bench_norm.py [--shape 64 32 28 28] [--reps 200] [--threads N]

All three layers see the same conv-sized input in training mode. Each repetition times the three in turn
(interleaved, so that a busy machine slows them alike); the ratio is of medians (min in brackets).
Times are CPU time of this process (`time.process_time`; pass --threads 1 so that it equals the work
done): on a machine shared with other jobs, wall times of the same step vary several-fold.
Targets: BatchNorm <= 2.0x, RunningBatchNorm <= 2.5x nn.BatchNorm2d. Not part of CI.
"""
import argparse, statistics, sys, time
from pathlib import Path

import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from dl_foundations.norm import BatchNorm, RunningBatchNorm

TARGETS = {'BatchNorm': 2.0, 'RunningBatchNorm': 2.5}

def time_step(layer, x, upstream):
    "Seconds for one forward and backward pass of `layer` on `x`."
    x.grad = None
    start = time.process_time()
    layer(x).backward(upstream)
    return time.process_time() - start

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--shape', type=int, nargs=4, default=[64, 32, 28, 28], help='input (batch, channels, height, width)')
    ap.add_argument('--reps', type=int, default=200)
    ap.add_argument('--threads', type=int, default=None, help='torch threads (default: torch\'s choice)')
    args = ap.parse_args(argv)
    if args.threads: torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    nf = args.shape[1]
    x = (torch.randn(*args.shape) * 2 + 0.5).requires_grad_()
    upstream = torch.randn(*args.shape)
    layers = {'nn.BatchNorm2d': nn.BatchNorm2d(nf), 'BatchNorm': BatchNorm(nf), 'RunningBatchNorm': RunningBatchNorm(nf)}
    times = {name: [] for name in layers}
    for _ in range(10):  # warm up
        for name, layer in layers.items(): time_step(layer, x, upstream)
    for _ in range(args.reps):
        for name, layer in layers.items(): times[name].append(time_step(layer, x, upstream))
    base_med, base_min = statistics.median(times['nn.BatchNorm2d']), min(times['nn.BatchNorm2d'])
    print(f'input {tuple(args.shape)}, {torch.get_num_threads()} thread(s), {args.reps} interleaved repetitions, '
          'forward + backward, CPU time')
    for name, ts in times.items():
        med, best = statistics.median(ts), min(ts)
        line = f'  {name:<17} median {med * 1e3:7.3f} ms  (min {best * 1e3:7.3f} ms)'
        if name in TARGETS:
            ratio = med / base_med
            line += (f'  ratio {ratio:.2f}x (min {best / base_min:.2f}x)  target <= {TARGETS[name]}x: '
                     + ('met' if ratio <= TARGETS[name] else 'NOT met'))
        print(line)

if __name__ == '__main__':
    main()
