"""Wall time to 98% validation accuracy on MNIST with the course's Learner, on the best device here.

Lesson 07's recipe: the lecture's CNN with BatchNorm (each block is `layers.conv`: convolution, GeneralRelu,
nn.BatchNorm2d), bs 512, one-cycle SGD over --epochs epochs; the time is measured from the start of fit to the end of the first epoch whose validation
accuracy reaches --target (validation included), and the run goes on to the end of its schedule.

    .venv/bin/python benchmarks/time_to_98.py [--epochs 5] [--target 0.98]
"""
import argparse, time
import torch
import torch.nn.functional as F
from torch import nn

from dl_foundations.course import set_seed
from dl_foundations.learner import Callback
from dl_foundations.learner import Learner
from dl_foundations.training import AvgStatsCallback, accuracy, ParamScheduler, sched_one_cycle
from dl_foundations.layers import DeviceCallback, BatchTransformCallback, view_tfm, conv, default_device
from common import mnist_dls

def conv_bn(ni, nf, ks=3): return conv(ni, nf, ks, norm=nn.BatchNorm2d, leak=0.1, sub=0.4, maxv=6.)

class TimeToTarget(Callback):
    order = 10  # after AvgStatsCallback wrote the epoch's row
    def __init__(self, target): self.target, self.seconds, self.epoch_reached = target, None, None
    def before_fit(self): self.start = time.perf_counter()
    def after_epoch(self):
        if self.seconds is None and self.learn.avg_stats.history[-1]['valid_accuracy'] >= self.target:
            if torch.cuda.is_available(): torch.cuda.synchronize()
            self.seconds, self.epoch_reached = time.perf_counter() - self.start, self.epoch

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--n-train', type=int, default=50000)
    ap.add_argument('--epochs', type=int, default=5)
    ap.add_argument('--target', type=float, default=0.98)
    args = ap.parse_args()
    if not torch.cuda.is_available(): torch.set_num_threads(1)
    dls, mnist = mnist_dls(args.n_train)
    set_seed(0)
    model = nn.Sequential(conv_bn(1, 8, 5), conv_bn(8, 16), conv_bn(16, 32), conv_bn(32, 32),
                          nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(32, 10))
    timer = TimeToTarget(args.target)
    learn = Learner(model, dls, F.cross_entropy, lr=1., cbs=[DeviceCallback(), BatchTransformCallback(view_tfm(1, 28, 28)),
                    AvgStatsCallback([accuracy]), ParamScheduler('lr', sched_one_cycle(0.2, 1.0, 0.05, 0.3)), timer])
    learn.fit(args.epochs)
    best = max(r['valid_accuracy'] for r in learn.avg_stats.history)
    where = f"{mnist.source}, {args.n_train:,} images, device {default_device()}"
    if timer.seconds is None: print(f"{args.target:.0%} not reached in {args.epochs} epoch(s) (best {best:.4f}); {where}")
    else: print(f"{args.target:.0%} validation accuracy after epoch {timer.epoch_reached} in {timer.seconds:.1f} s "
                f"(best {best:.4f} in {args.epochs} epoch(s)); {where}")

if __name__ == '__main__': main()
