"""Which items does each process train on? Two processes under torchrun, a plain PyTorch DataLoader, different seeds.

    torchrun --standalone --nproc_per_node 2 benchmarks/ddp_items.py --out /tmp/items

Each process seeds its random generators differently (as a practitioner's processes often are), shuffles
with torch.utils.data.DataLoader (num_workers > 0 by default), and trains a one-weight model through the
Learner with DistributedCallback. Every item is its own id. Each process writes `rank<r>.json` to --out:
the ids of the training items it saw, per epoch, in order, and every id its dataset read (in the
DataLoader's worker processes too). tests/test_scaling.py checks that each epoch's items are shared
without overlap and all seen once; run it with the code before and after a change to compare."""
import argparse, json, os, sys
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # a checkout works without installing
from dl_foundations.learner import Callback
from dl_foundations.learner import Learner
from dl_foundations.distributed import DistributedCallback

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument('--n-items', type=int, default=96)
parser.add_argument('--bs', type=int, default=8, help='batch size of each process')
parser.add_argument('--epochs', type=int, default=3)
parser.add_argument('--workers', type=int, default=1, help='DataLoader worker processes per process')
parser.add_argument('--out', type=Path, required=True)
args = parser.parse_args()
rank = int(os.environ.get('RANK', 0))
torch.set_num_threads(1)
torch.manual_seed(1000 + 17 * rank)  # every process has its own random state

class Ids(torch.utils.data.Dataset):
    "Item i is (i / n, i); each read is appended to reads-rank<r>-<pid>.txt (worker processes write their own)."
    def __init__(self, n): self.n = n
    def __len__(self): return self.n
    def __getitem__(self, i):
        with open(args.out / f'reads-rank{rank}-{os.getpid()}.txt', 'a') as f: f.write(f'{i}\n')
        return torch.tensor([i / self.n]), i

class SeenIds(Callback):
    "The ids of the training items of each epoch, in the order this process saw them."
    def before_fit(self): self.per_epoch = []
    def before_train(self): self.per_epoch.append([])
    def after_pred(self):
        if self.learn.training: self.per_epoch[-1] += self.learn.yb.tolist()

def loss(pred, ids): return F.mse_loss(pred.squeeze(1), ids.float() / args.n_items)

args.out.mkdir(parents=True, exist_ok=True)
ds = Ids(args.n_items)
loaders = type('Loaders', (), {})()
loaders.train = torch.utils.data.DataLoader(ds, batch_size=args.bs, shuffle=True, num_workers=args.workers)
loaders.valid = None
seen = SeenIds()
Learner(nn.Linear(1, 1), loaders, loss, lr=0.1, cbs=[DistributedCallback(), seen]).fit(args.epochs)
reads = [int(l) for p in sorted(args.out.glob(f'reads-rank{rank}-*.txt')) for l in p.read_text().split()]
(args.out / f'rank{rank}.json').write_text(json.dumps({'seen': seen.per_epoch, 'reads': reads}))
