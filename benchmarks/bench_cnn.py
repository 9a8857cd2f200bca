"""Learner + its standard callbacks vs a bare PyTorch loop, on the lecture's 8-epoch one-cycle MNIST run.

Model: get_cnn_model(1, 10, [8, 16, 32, 32], leak=0.1, sub=0.4, maxv=6.), kaiming init, bs 512, SGD,
one-cycle cosine lr 0.2 -> 1.0 -> 0.1 (50/50). Both runs use the same data, seed and schedule, are
interleaved and repeated; the ratio is of the best times. Target: Learner / bare <= 1.10, equal accuracy.

    .venv/bin/python benchmarks/bench_cnn.py            # 8 epochs on MNIST's 50k training images
    .venv/bin/python benchmarks/bench_cnn.py --quick    # 1 epoch on 10k images
"""
import argparse, time
import torch
import torch.nn.functional as F

from dl_foundations.course import set_seed
from common import mnist_dls, lecture_cnn
from dl_foundations.learner import Learner
from dl_foundations.training import AvgStatsCallback, accuracy, ParamScheduler, sched_cos, combine_scheds
from dl_foundations.layers import DeviceCallback, BatchTransformCallback, view_tfm, default_device

def make_model():
    return lecture_cnn()

def run_learner(dls, epochs, sched):
    set_seed(0)
    learn = Learner(make_model(), dls, F.cross_entropy, lr=1., cbs=[DeviceCallback(), BatchTransformCallback(view_tfm(1, 28, 28)),
                    AvgStatsCallback([accuracy], log=False), ParamScheduler('lr', sched)])
    start = time.perf_counter(); learn.fit(epochs)
    return time.perf_counter() - start, learn.avg_stats.history[-1]['valid_accuracy']

def run_bare(dls, epochs, sched):
    set_seed(0)
    dev = default_device(); model = make_model().to(dev)
    opt = torch.optim.SGD(model.parameters(), lr=1.)
    start = time.perf_counter()
    n_batches, step = len(dls.train), 0
    for epoch in range(epochs):
        model.train()
        for xb, yb in dls.train:
            xb, yb = xb.to(dev).view(-1, 1, 28, 28), yb.to(dev)
            for g in opt.param_groups: g['lr'] = sched(step / (epochs * n_batches))
            loss = F.cross_entropy(model(xb), yb)
            opt.zero_grad(); loss.backward(); opt.step(); step += 1
        model.eval(); correct = total = 0
        with torch.no_grad():
            for xb, yb in dls.valid:
                xb, yb = xb.to(dev).view(-1, 1, 28, 28), yb.to(dev)
                correct += (model(xb).argmax(1) == yb).sum().item(); total += len(yb)
    return time.perf_counter() - start, correct / total

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--quick', action='store_true', help='1 epoch on 10,000 images')
    ap.add_argument('--epochs', type=int, default=None)
    ap.add_argument('--repeats', type=int, default=2)
    args = ap.parse_args()
    epochs = args.epochs or (1 if args.quick else 8)
    n = 10_000 if args.quick else 50_000
    dls, mnist = mnist_dls(n)
    sched = combine_scheds([0.5, 0.5], [sched_cos(0.2, 1.), sched_cos(1., 0.1)])
    print(f'{mnist.source}, {n:,} train images, {epochs} epochs, device {default_device()}, {torch.get_num_threads()} threads')
    times = {'learner': [], 'bare': []}; accs = {}
    for r in range(args.repeats):
        for name, fn in (('bare', run_bare), ('learner', run_learner)) if r % 2 == 0 else (('learner', run_learner), ('bare', run_bare)):
            t, acc = fn(dls, epochs, sched); times[name].append(t); accs[name] = acc
            print(f'  repeat {r}: {name:8s} {t:7.1f}s  valid accuracy {acc:.4f}', flush=True)
    best = {k: min(v) for k, v in times.items()}
    print(f'best: learner {best["learner"]:.1f}s, bare {best["bare"]:.1f}s -> ratio {best["learner"]/best["bare"]:.3f} (target <= 1.10); '
          f'accuracy learner {accs["learner"]:.4f}, bare {accs["bare"]:.4f}')

if __name__ == '__main__': main()
