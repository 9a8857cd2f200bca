"""Per-batch overhead of the callback `Learner` against a hand-written PyTorch loop (CPU).

Both train the same 784-50-10 MLP with SGD on the same MNIST batches (bs 64) with the same one-cycle lr
schedule, and compute the same numbers: training loss and accuracy per epoch (averaged by batch size),
per-batch lr and loss (the Recorder's work), and validation loss and accuracy. The Learner runs with its
standard callbacks (TrainEval, Recorder, AvgStats([accuracy]), ParamScheduler), no progress bar. The two are
alternated for several repeats and the ratio of the median wall times is printed. Target: <= 1.05.

    .venv/bin/python benchmarks/bench_learner.py [--repeats 5] [--n-train 20000]
Real MNIST is used if `DL_FOUNDATIONS_DATA` holds it, otherwise the generated stand-in.
"""
import argparse, statistics, time
import torch
import torch.nn.functional as F
from torch import nn
from dl_foundations.data import DataLoaders, get_mnist, normalize_to
from dl_foundations.learner import Learner, AvgStatsCallback, ParamScheduler, accuracy, sched_one_cycle

def get_model(seed=0):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(784, 50), nn.ReLU(), nn.Linear(50, 10))

def run_learner(dls, n_epochs, sched):
    learn = Learner(get_model(), dls, F.cross_entropy, lr=0.3,
                    cbs=[AvgStatsCallback([accuracy], log=False), ParamScheduler('lr', sched)])
    torch.manual_seed(1)  # same shuffling for both loops
    learn.fit(n_epochs)
    return learn.avg_stats.history[-1]['valid_accuracy']

def run_bare(dls, n_epochs, sched):
    model = get_model()
    opt = torch.optim.SGD(model.parameters(), lr=0.3)
    torch.manual_seed(1)
    n_batches, lrs, losses = len(dls.train), [], []
    for epoch in range(n_epochs):
        model.train()
        tr_loss, tr_acc, tr_n = [], [], []
        for i, (xb, yb) in enumerate(dls.train):
            for g in opt.param_groups: g['lr'] = sched((epoch + i / n_batches) / n_epochs)
            pred = model(xb)
            loss = F.cross_entropy(pred, yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            tr_loss.append(loss.detach()); tr_acc.append(accuracy(pred.detach(), yb)); tr_n.append(len(yb))
            lrs.append(opt.param_groups[-1]['lr']); losses.append(loss.detach())
        w = torch.tensor(tr_n, dtype=torch.float64)
        train_stats = [float((torch.stack(c).double() * w).sum() / w.sum()) for c in (tr_loss, tr_acc)]
        model.eval()
        va_loss, va_acc, va_n = [], [], []
        with torch.no_grad():
            for xb, yb in dls.valid:
                pred = model(xb)
                va_loss.append(F.cross_entropy(pred, yb)); va_acc.append(accuracy(pred, yb)); va_n.append(len(yb))
        w = torch.tensor(va_n, dtype=torch.float64)
        valid_stats = [float((torch.stack(c).double() * w).sum() / w.sum()) for c in (va_loss, va_acc)]
    return valid_stats[1]

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--repeats', type=int, default=5)
    ap.add_argument('--n-train', type=int, default=20000)
    ap.add_argument('--epochs', type=int, default=1)
    ap.add_argument('--threads', type=int, default=1, help='torch threads (1: steadier timings on a shared CPU)')
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    mnist = get_mnist(stand_in=True)
    x_train, x_valid = normalize_to(mnist.x_train[:args.n_train], mnist.x_valid)
    dls = DataLoaders.from_tensors(x_train, mnist.y_train[:args.n_train], x_valid, mnist.y_valid, bs=64)
    sched = sched_one_cycle(0.06, 0.3, 0.015, pct_up=0.5)
    print(f"data: {mnist.source}, {len(dls.train)} training batches of 64 x {args.epochs} epoch(s), "
          f"{len(dls.valid)} validation batches; torch threads: {args.threads}")
    run_learner(dls, 1, sched); run_bare(dls, 1, sched)  # warm-up
    times = {'learner': [], 'bare': []}
    for r in range(args.repeats):
        for name, f in (('learner', run_learner), ('bare', run_bare)) if r % 2 == 0 else (('bare', run_bare), ('learner', run_learner)):
            t0 = time.perf_counter(); acc = f(dls, args.epochs, sched); times[name].append(time.perf_counter() - t0)
        print(f"repeat {r}: learner {times['learner'][-1]:.3f}s, bare {times['bare'][-1]:.3f}s (valid accuracy {acc:.4f})")
    med = {k: statistics.median(v) for k, v in times.items()}
    best = {k: min(v) for k, v in times.items()}
    print(f"median: learner {med['learner']:.3f}s, bare {med['bare']:.3f}s -> ratio {med['learner']/med['bare']:.3f}")
    print(f"best:   learner {best['learner']:.3f}s, bare {best['bare']:.3f}s -> ratio {best['learner']/best['bare']:.3f}")
    print(f"target: ratio <= 1.05")

if __name__ == '__main__': main()
