"""Checkpoint write and read time for the lecture's MNIST CNN (lesson 05) with its SGD-with-momentum state.

`Learner.save` writes model, optimizer, epochs done, random-generator states and callback state atomically
(temporary file, fsync, rename); `Learner.load` reads it back with `torch.load(weights_only=True)` and checks it.
Prints the file size and the median (and spread) of many saves and loads, beside one epoch's training time,
so the cost of `CheckpointCallback` (one save per epoch) can be read as a share of an epoch.

    .venv/bin/python benchmarks/bench_checkpoint.py [--repeats 21] [--dir DIR]
"""
import argparse, statistics, tempfile, time
from pathlib import Path
import torch
import torch.nn.functional as F

from dl_foundations.course import set_seed
from dl_foundations.learner import Learner
from dl_foundations.training import AvgStatsCallback, accuracy
from dl_foundations.layers import BatchTransformCallback, view_tfm
from common import mnist_dls, lecture_cnn

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--repeats', type=int, default=21)
    ap.add_argument('--n-train', type=int, default=10000, help='images for the one timed epoch')
    ap.add_argument('--dir', type=Path, default=None, help='folder for the checkpoint (default: a temporary one)')
    args = ap.parse_args()
    torch.set_num_threads(1)
    dls, mnist = mnist_dls(args.n_train)
    set_seed(0)
    model = lecture_cnn()
    learn = Learner(model, dls, F.cross_entropy, lr=0.4, opt_func=lambda p, lr: torch.optim.SGD(p, lr=lr, momentum=0.9),
                    cbs=[BatchTransformCallback(view_tfm(1, 28, 28)), AvgStatsCallback([accuracy], log=False)])
    start = time.perf_counter(); learn.fit(1); epoch_s = time.perf_counter() - start
    folder = Path(tempfile.mkdtemp()) if args.dir is None else args.dir
    path = folder / 'cnn.pt'
    saves, loads = [], []
    for _ in range(args.repeats):
        t0 = time.perf_counter(); learn.save(path); saves.append(time.perf_counter() - t0)
        t0 = time.perf_counter(); learn.load(path); loads.append(time.perf_counter() - t0)
    n_params = sum(p.numel() for p in model.parameters())
    ms = lambda v: f"median {statistics.median(v) * 1e3:.2f} ms (spread {min(v) * 1e3:.2f}..{max(v) * 1e3:.2f})"
    print(f"data: {mnist.source}; CNN with {n_params:,} parameters; checkpoint {path.stat().st_size / 1024:,.0f} KiB")
    print(f"save: {ms(saves)}; load: {ms(loads)}; {args.repeats} repeats")
    print(f"one epoch on {args.n_train:,} images: {epoch_s:.2f} s -> a save per epoch costs "
          f"{statistics.median(saves) / epoch_s:.2%} of it")
    if args.dir is None: path.unlink(); folder.rmdir()

if __name__ == '__main__': main()
