"""Per-batch overhead of the callback `Learner` against hand-written PyTorch loops (CPU), in one interleaved run.

Two comparisons, each against a bare loop that does exactly the same work:
- without statistics: the Learner with only its default callbacks (TrainEval, Recorder) and a constant lr, against
  a bare loop that trains and computes the validation loss per batch (what the Learner always does), recording
  nothing. Target: <= 1.03.
- with statistics: the Learner with AvgStats([accuracy]) and a one-cycle ParamScheduler, against a bare loop
  computing the same numbers: training loss and accuracy per epoch (averaged by batch size), per-batch lr and loss
  (the Recorder's work), validation loss and accuracy, with the same lr schedule. Target: <= 1.05.
Both train the same 784-50-10 MLP with SGD on the same MNIST batches (bs 64), no progress bar. The four runs are
interleaved, in a rotating order, for several repeats; each repeat gives a ratio of the Learner's time to its bare
loop's (measured side by side, so that a slow moment of a shared machine hits both), and the median ratio is
reported with the spread of the repeats (min..max) and the ratio of the median times. Both clocks are reported:
wall time, and the process's CPU time (with one thread, the CPU time leaves out the moments the process waited for
a core, which dominate the spread on a busy shared machine).

    .venv/bin/python benchmarks/bench_learner.py [--repeats 9] [--n-train 20000]
Real MNIST is used if `DL_FOUNDATIONS_DATA` holds it, otherwise the generated stand-in.
"""
import argparse, statistics, time
import torch
import torch.nn.functional as F
from torch import nn
from common import mnist_dls
from dl_foundations.learner import Learner
from dl_foundations.training import AvgStatsCallback, ParamScheduler, accuracy, sched_one_cycle

def get_model(seed=0):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(784, 50), nn.ReLU(), nn.Linear(50, 10))

def learner_plain(dls, n_epochs, sched):
    learn = Learner(get_model(), dls, F.cross_entropy, lr=0.1)
    torch.manual_seed(1)  # same shuffling for both loops
    learn.fit(n_epochs)
    return float('nan')

def bare_plain(dls, n_epochs, sched):
    model = get_model()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    torch.manual_seed(1)
    for epoch in range(n_epochs):
        model.train()
        for xb, yb in dls.train:
            loss = F.cross_entropy(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
        model.eval()
        with torch.no_grad():
            for xb, yb in dls.valid: loss = F.cross_entropy(model(xb), yb)
    return float('nan')

def learner_stats(dls, n_epochs, sched):
    learn = Learner(get_model(), dls, F.cross_entropy, lr=0.3,
                    cbs=[AvgStatsCallback([accuracy], log=False), ParamScheduler('lr', sched)])
    torch.manual_seed(1)
    learn.fit(n_epochs)
    return learn.avg_stats.history[-1]['valid_accuracy']

def bare_stats(dls, n_epochs, sched):
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

PAIRS = {'without statistics': ('learner_plain', 'bare_plain', 1.03), 'with AvgStats': ('learner_stats', 'bare_stats', 1.05)}
RUNNERS = {f.__name__: f for f in (learner_plain, bare_plain, learner_stats, bare_stats)}

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--repeats', type=int, default=9)
    ap.add_argument('--n-train', type=int, default=20000)
    ap.add_argument('--epochs', type=int, default=1)
    ap.add_argument('--threads', type=int, default=1, help='torch threads (1: steadier timings on a shared CPU)')
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    dls, mnist = mnist_dls(args.n_train, bs=64)
    sched = sched_one_cycle(0.06, 0.3, 0.015, pct_up=0.5)
    print(f"data: {mnist.source}, {len(dls.train)} training batches of 64 x {args.epochs} epoch(s), "
          f"{len(dls.valid)} validation batches; torch threads: {args.threads}")
    for f in RUNNERS.values(): f(dls, 1, sched)  # warm-up
    clocks = {'wall': time.perf_counter, 'cpu': time.process_time}
    times = {c: {k: [] for k in RUNNERS} for c in clocks}
    names = list(RUNNERS)
    for r in range(args.repeats):
        order = names[r % 4:] + names[:r % 4]  # rotate, so no runner always follows the same one
        if r % 2: order = order[::-1]
        for name in order:
            t0, c0 = time.perf_counter(), time.process_time()
            RUNNERS[name](dls, args.epochs, sched)
            times['wall'][name].append(time.perf_counter() - t0); times['cpu'][name].append(time.process_time() - c0)
        print(f"repeat {r}: " + ', '.join(f"{k} {times['wall'][k][-1]:.3f}s" for k in names))
    for label, (ours, bare, target) in PAIRS.items():
        print(f"{label} (target <= {target}):")
        for clock, t in times.items():
            ratios = [a / b for a, b in zip(t[ours], t[bare])]
            med_ratio = statistics.median(t[ours]) / statistics.median(t[bare])
            print(f"  {clock:>4} time: median of paired ratios {statistics.median(ratios):.3f} "
                  f"(spread {min(ratios):.3f}..{max(ratios):.3f}), ratio of medians {med_ratio:.3f}")

if __name__ == '__main__': main()
