"""Batches per second of `dl_foundations.data.DataLoader` over in-memory MNIST vs PyTorch's
`torch.utils.data.DataLoader(TensorDataset(...))`, both at bs 64 with shuffling, measured in one run.

    .venv/bin/python benchmarks/bench_dataloader.py

Uses the real MNIST training set when `DL_FOUNDATIONS_DATA` has it, else the generated stand-in padded to
50,000 rows (the timing depends on the tensor's shape, not its values). Target: ours >= 10x PyTorch's.
"""
import time, warnings
import torch
from torch.utils.data import DataLoader as TorchDataLoader, TensorDataset
from dl_foundations.data import DataLoader, Dataset, get_mnist

TARGET, BS, REPEATS = 10, 64, 3

def batches_per_second(make_loader, max_batches=None):
    "Iterate one epoch (or `max_batches`), returning batches per second."
    dl = make_loader(); n = 0
    start = time.perf_counter()
    for xb, yb in dl:
        n += 1
        if max_batches and n >= max_batches: break
    return n / (time.perf_counter() - start)

def main():
    torch.set_num_threads(1)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        mnist = get_mnist(stand_in=True)
    x, y = mnist.x_train, mnist.y_train
    if len(x) < 50000: x, y = x.repeat(50000 // len(x) + 1, 1)[:50000], y.repeat(50000 // len(y) + 1)[:50000]
    print(f'data: {mnist.source}, x {tuple(x.shape)}, bs {BS}, shuffle on both; best of {REPEATS} interleaved runs')
    ours, theirs = [], []
    for _ in range(REPEATS):  # interleaved, so both see the same machine load
        ours.append(batches_per_second(lambda: DataLoader(Dataset(x, y), BS, shuffle=True)))
        theirs.append(batches_per_second(lambda: TorchDataLoader(TensorDataset(x, y), BS, shuffle=True), max_batches=200))
    o, t = max(ours), max(theirs)
    print(f'dl_foundations DataLoader:        {o:10,.0f} batches/s')
    print(f'torch DataLoader(TensorDataset): {t:10,.0f} batches/s')
    print(f'ratio: {o/t:.1f}x (target >= {TARGET}x) -> {"OK" if o/t >= TARGET else "BELOW TARGET"}')

if __name__ == '__main__': main()
