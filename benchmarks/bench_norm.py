"""Forward + backward time of our BatchNorm and RunningBatchNorm against PyTorch's nn.BatchNorm2d, on the CPU.

    .venv/bin/python benchmarks/bench_norm.py [--shape 64 32 28 28] [--reps 200] [--threads N]

All four layers see the same conv-sized input in training mode. Each repetition times the four in turn
(interleaved, so that a busy machine slows them alike); the ratio is of medians (min in brackets).
Times are CPU time of this process (`time.process_time`; pass --threads 1 so that it equals the work
done): on a machine shared with other jobs, wall times of the same step vary several-fold.
Targets: BatchNorm <= 2.0x, RunningBatchNorm <= 2.5x nn.BatchNorm2d. Not part of CI. The plain path,
`BatchNorm(fast=False)` (lesson 07's readable form, left to autograd), is timed for comparison, without a target.

Measured on the course's shared 2-core CPU (--threads 1, 100 repetitions, three runs, 2026-12-03): BatchNorm with
its default fast path 1.07 to 1.19 times nn.BatchNorm2d's median step (0.96 to 1.04 times its fastest),
RunningBatchNorm 1.31 to 1.40 times, the plain path 5.1 to 5.3 times (4.1 times the fastest). What remains of
the gap is the passes PyTorch's fused kernel saves: the fast path computes `x·x` as a tensor before summing it,
and its backward makes two reductions and two element-wise passes. RunningBatchNorm leaves its backward to
autograd, through the running sums.
"""
import argparse, statistics, sys, time
from pathlib import Path

import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from dl_foundations.norm import BatchNorm
from dl_foundations.norm_variants import RunningBatchNorm

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
    layers = {'nn.BatchNorm2d': nn.BatchNorm2d(nf), 'BatchNorm': BatchNorm(nf), 'RunningBatchNorm': RunningBatchNorm(nf),
              'BatchNorm(fast=False)': BatchNorm(nf, fast=False)}
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
        line = f'  {name:<21} median {med * 1e3:7.3f} ms  (min {best * 1e3:7.3f} ms)'
        if name != 'nn.BatchNorm2d':
            ratio = med / base_med
            line += f'  ratio {ratio:.2f}x (min {best / base_min:.2f}x)'
            if name in TARGETS: line += f'  target <= {TARGETS[name]}x: ' + ('met' if ratio <= TARGETS[name] else 'NOT met')
        print(line)

if __name__ == '__main__':
    main()
