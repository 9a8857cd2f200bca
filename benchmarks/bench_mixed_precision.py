"""MixedPrecision against float32 on the lecture's MNIST CNN: accuracy and wall time, on the best device here.

On CUDA MixedPrecision computes in float16 with a gradient scaler; on the CPU in bfloat16. Both runs start from the
same weights and see the same batches (bs 512, one-cycle SGD); they alternate for --repeats and the median times
are compared. The accuracies must agree within 2 points.

    .venv/bin/python benchmarks/bench_mixed_precision.py [--n-train 50000] [--epochs 3] [--repeats 1]
"""
import argparse, statistics, time
import torch
import torch.nn.functional as F

from dl_foundations.course import set_seed
from dl_foundations.learner import Learner
from dl_foundations.training import AvgStatsCallback, accuracy, ParamScheduler, sched_one_cycle
from dl_foundations.layers import DeviceCallback, BatchTransformCallback, view_tfm, default_device
from dl_foundations.scaling import MixedPrecision
from common import mnist_dls, lecture_cnn

def run(dls, epochs, mixed):
    set_seed(0)
    model = lecture_cnn()
    cbs = [DeviceCallback(), BatchTransformCallback(view_tfm(1, 28, 28)), AvgStatsCallback([accuracy], log=False),
           ParamScheduler('lr', sched_one_cycle(0.2, 1.0, 0.1, 0.5))] + ([MixedPrecision()] if mixed else [])
    learn = Learner(model, dls, F.cross_entropy, lr=1., cbs=cbs)
    if torch.cuda.is_available(): torch.cuda.synchronize()
    start = time.perf_counter(); learn.fit(epochs)
    if torch.cuda.is_available(): torch.cuda.synchronize()
    return time.perf_counter() - start, learn.avg_stats.history[-1]['valid_accuracy']

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--n-train', type=int, default=50000)
    ap.add_argument('--epochs', type=int, default=3)
    ap.add_argument('--repeats', type=int, default=1)
    args = ap.parse_args()
    if not torch.cuda.is_available(): torch.set_num_threads(1)
    dls, mnist = mnist_dls(args.n_train)
    half = 'float16' if torch.cuda.is_available() else 'bfloat16'
    print(f"data: {mnist.source}, {args.n_train:,} images x {args.epochs} epoch(s); device {default_device()}; mixed = {half}")
    warm, _ = mnist_dls(1024)
    run(warm, 1, False); run(warm, 1, True)  # warm-up: first calls, kernels, allocator
    times, accs = {'float32': [], half: []}, {}
    for r in range(args.repeats):
        for name in ((('float32', half)) if r % 2 == 0 else (half, 'float32')):
            secs, accs[name] = run(dls, args.epochs, mixed=name != 'float32')
            times[name].append(secs)
    for name in times: print(f"  {name:<8} median {statistics.median(times[name]):6.2f} s   valid accuracy {accs[name]:.4f}")
    gap = abs(accs[half] - accs['float32'])
    print(f"speed-up {statistics.median(times['float32']) / statistics.median(times[half]):.2f}x; "
          f"accuracy gap {gap:.4f} ({'ok' if gap <= 0.02 else 'MORE THAN 2 POINTS'})")

if __name__ == '__main__': main()
