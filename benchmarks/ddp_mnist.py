"""Train an MNIST MLP with the course's Learner, in one process or several.

The same script runs unchanged as
    python benchmarks/ddp_mnist.py --bs 64
    torchrun --standalone --nproc_per_node 2 benchmarks/ddp_mnist.py --bs 32
(--bs is per process: 2 processes of 32 make the same global batch as one of 64). Real MNIST when
$DL_FOUNDATIONS_DATA has it, else the generated stand-in. Only the first process logs; with --out
every process writes its final weights and a small JSON report there (see tests/test_scaling.py)."""
import argparse, json, sys, time
from pathlib import Path

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # a checkout works without installing
from dl_foundations.course import set_seed
from dl_foundations.data import DataLoaders, get_mnist, normalize_to
from dl_foundations.learner import Callback
from dl_foundations.learner import Learner
from dl_foundations.training import AvgStatsCallback, ParamScheduler, accuracy, sched_one_cycle
from dl_foundations.distributed import DistributedCallback, is_main_process

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument('--n-train', type=int, default=8192, help='training images (the first n)')
parser.add_argument('--epochs', type=int, default=2)
parser.add_argument('--bs', type=int, default=64, help='batch size of each process')
parser.add_argument('--lr', type=float, default=0.3, help='peak of the one-cycle learning rate')
parser.add_argument('--threads', type=int, default=1, help='PyTorch threads per process')
parser.add_argument('--out', type=Path, help='folder for weights-rank<r>.pt and rank<r>.json')
args = parser.parse_args()
torch.set_num_threads(args.threads)

class CountBatches(Callback):
    "How many training batches this process saw in each epoch."
    def before_fit(self): self.per_epoch = []
    def before_train(self): self.per_epoch.append(0)
    def after_batch(self):
        if self.learn.training: self.per_epoch[-1] += 1

distributed = DistributedCallback()  # a no-op when the script runs as one process
set_seed(0)  # the same initial weights everywhere (DistributedDataParallel copies rank 0's anyway)
mnist = get_mnist(stand_in=True)
x_train, x_valid = normalize_to(mnist.x_train[:args.n_train], mnist.x_valid)
y_train = mnist.y_train[:args.n_train]
dls = DataLoaders.from_tensors(x_train, y_train, x_valid, mnist.y_valid, bs=args.bs)
model = nn.Sequential(nn.Linear(784, 50), nn.ReLU(), nn.Linear(50, 10))
counter = CountBatches()
learn = Learner(model, dls, F.cross_entropy, lr=args.lr,
                cbs=[distributed, AvgStatsCallback([accuracy]), counter,
                     ParamScheduler('lr', sched_one_cycle(args.lr / 5, args.lr, args.lr / 20, 0.5))])
start = time.perf_counter()
learn.fit(args.epochs)
seconds = time.perf_counter() - start

rank, world_size = (dist.get_rank(), dist.get_world_size()) if dist.is_initialized() else (0, 1)
report = {'rank': rank, 'world_size': world_size, 'bs': args.bs,
          'train_batches_per_epoch': counter.per_epoch,
          'valid_accuracy': learn.avg_stats.history[-1]['valid_accuracy'], 'seconds': seconds,
          'images_per_second': args.n_train * args.epochs / seconds, 'data': mnist.source}
if args.out is not None:
    args.out.mkdir(parents=True, exist_ok=True)
    torch.save(learn.model.state_dict(), args.out / f'weights-rank{rank}.pt')
    (args.out / f'rank{rank}.json').write_text(json.dumps(report))
if is_main_process():
    print(f"{world_size} process(es) x {args.bs}: {counter.per_epoch[-1]} batches per epoch each, "
          f"valid accuracy {report['valid_accuracy']:.4f}, "
          f"{report['images_per_second']:,.0f} images/s")
if dist.is_initialized(): dist.destroy_process_group()
