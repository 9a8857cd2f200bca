"""Throughput of 2 processes (torchrun, gloo, 1 thread each) against 1 process on the CPU, with benchmarks/ddp_mnist.py.

Configurations, each run `--repeats` times, interleaved:
- 1 process, 1 thread, batches of 64;
- 1 process, 2 threads, batches of 64 (the same cores, used by one process);
- 2 processes x 1 thread, batches of 32 each (the same global batch of 64).
Prints the median training images per second of each and the ratios to the first, with the spread, and the
validation accuracies (which must agree within noise).

    .venv/bin/python benchmarks/bench_ddp.py [--repeats 3] [--n-train 20480] [--epochs 1]
"""
import argparse, json, os, statistics, subprocess, sys, tempfile
from pathlib import Path

SCRIPT = Path(__file__).with_name('ddp_mnist.py')
LAUNCH_VARS = ('RANK', 'LOCAL_RANK', 'WORLD_SIZE', 'MASTER_ADDR', 'MASTER_PORT')

def run(nproc, threads, bs, args, out):
    launcher = [] if nproc == 1 else ['-m', 'torch.distributed.run', '--standalone', f'--nproc_per_node={nproc}']
    env = {k: v for k, v in os.environ.items() if k not in LAUNCH_VARS}
    env['OMP_NUM_THREADS'] = str(threads)
    cmd = [sys.executable, *launcher, str(SCRIPT), '--bs', str(bs), '--threads', str(threads),
           '--n-train', str(args.n_train), '--epochs', str(args.epochs), '--out', str(out)]
    subprocess.run(cmd, check=True, capture_output=True, text=True, env=env)
    return json.loads((out / 'rank0.json').read_text())

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--repeats', type=int, default=3)
    ap.add_argument('--n-train', type=int, default=20480, help='a multiple of 64, so that 2 x 32 share the batches')
    ap.add_argument('--epochs', type=int, default=1)
    args = ap.parse_args()
    configs = {'1 process x 1 thread, bs 64': (1, 1, 64), '1 process x 2 threads, bs 64': (1, 2, 64),
               '2 processes x 1 thread, bs 32 each': (2, 1, 32)}
    results = {k: [] for k in configs}
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.repeats):
            for i, (name, (nproc, threads, bs)) in enumerate(configs.items()):
                results[name].append(run(nproc, threads, bs, args, Path(tmp) / f'{r}-{i}'))
    base = statistics.median(rep['images_per_second'] for rep in results['1 process x 1 thread, bs 64'])
    print(f"data: {results['1 process x 1 thread, bs 64'][0]['data']}, {args.n_train:,} images x {args.epochs} epoch(s), "
          f"median of {args.repeats}")
    for name, reps in results.items():
        ips = [rep['images_per_second'] for rep in reps]
        print(f"  {name:<36} {statistics.median(ips):8,.0f} images/s  ratio {statistics.median(ips) / base:.2f} "
              f"(spread {min(ips) / base:.2f}..{max(ips) / base:.2f})  valid accuracy {reps[-1]['valid_accuracy']:.4f}")

if __name__ == '__main__': main()
