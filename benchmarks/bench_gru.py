"""Training speed of the hand-written GRU (`dl_foundations.gated.GRUCell` run by `dl_foundations.text.CellLoop`) vs `nn.GRU` on CPU.

The lecture's sizes: batches of 64 streams x 8 characters, embedding 42, hidden 256, a 59-character vocabulary,
Adam. Both models are timed in the same run, interleaved (A, B, A, B, ...), and the median time per training
step is turned into characters per second. Target: the hand-written version within 5x of `nn.GRU`.

    .venv/bin/python benchmarks/bench_gru.py [--threads 1] [--steps 30] [--repeats 5]
"""
import argparse, statistics, time
import torch
import torch.nn.functional as F
from dl_foundations.text import CharRNN  # its 'gru_by_hand' kind runs lesson 09a's GRUCell

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--threads', type=int, default=1, help='torch CPU threads (the lesson uses 1)')
    ap.add_argument('--steps', type=int, default=30, help='training steps per timing')
    ap.add_argument('--repeats', type=int, default=5, help='timings per model (median reported)')
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    bs, bptt, vocab_size = 64, 8, 59
    torch.manual_seed(0)
    xs = torch.randint(0, vocab_size, (args.steps, bs, bptt)); ys = torch.randint(0, vocab_size, (args.steps, bs, bptt))
    models = {kind: CharRNN(vocab_size, 42, 256, kind) for kind in ('gru_by_hand', 'gru')}
    opts = {k: torch.optim.Adam(m.parameters(), 1e-3) for k, m in models.items()}
    def train_steps(kind):
        m, opt = models[kind], opts[kind]
        start = time.perf_counter()
        for x, y in zip(xs, ys):
            loss = F.cross_entropy(m(x), y.reshape(-1))
            opt.zero_grad(); loss.backward(); opt.step()
        return time.perf_counter() - start
    for kind in models: train_steps(kind)  # warm-up
    times = {k: [] for k in models}
    for _ in range(args.repeats):
        for kind in models: times[kind].append(train_steps(kind))
    chars = args.steps * bs * bptt
    speed = {k: chars / statistics.median(t) for k, t in times.items()}
    for k, s in speed.items(): print(f'{k:<12} {s:10,.0f} characters/s (median of {args.repeats} x {args.steps} steps, {args.threads} thread(s))')
    ratio = speed['gru'] / speed['gru_by_hand']
    print(f'nn.GRU is {ratio:.2f}x as fast as the hand-written GRU (target: hand-written within 5x; '
          f'{"met" if ratio <= 5 else "NOT met"})')

if __name__ == '__main__': main()
