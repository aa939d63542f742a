#!/usr/bin/python3
"""PyTorch half of tmu's engine benchmark: training and inference throughput on Fashion-MNIST.

    /usr/bin/python3 bench/engine_pytorch.py --model small-cnn|resnet18-w0.5-32px --threads N \
        [--train-steps 100] [--infer-batches 50] [--batch 128] [--warmup 5] [--seed 0] [--data DIR]

Prints one JSON line:
    {"model", "threads", "batch", "trainSteps", "inferBatches", "warmup",
     "trainImgPerS", "inferImgPerS", "trainSeconds", "inferSeconds", "finalLoss", "torchVersion"}

Models come from bench/torch_models.py (the twins of tmu's):
  small-cnn           SmallCNN(1, 10, 28) on 28x28 images
  resnet18-w0.5-32px  ResNet18(1, 10, width 0.5) on images zero-padded 28x28 -> 32x32 (2 px each side,
                      pixel value 0 before normalisation)
Data: the Fashion-MNIST training set, normalised with mean 0.2860, std 0.3530, preloaded as one float
tensor; batches are sequential slices (wrapping around), so data loading is not measured.
Training: SGD lr 0.01 momentum 0.9, cross-entropy, train mode. Inference: eval mode under
torch.inference_mode(). The first --warmup steps / batches of each phase are not timed.
Threads: torch.set_num_threads(--threads). Nothing else is set here: environment variables such as
OPENBLAS_NUM_THREADS / OMP_NUM_THREADS set by the caller are left as they are.
"""
import argparse
import gzip
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_models import ResNet18, SmallCNN  # noqa: E402

MEAN, STD = 0.2860, 0.3530
MODELS = {
    "small-cnn": {"pad": 0, "make": lambda: SmallCNN(1, 10, 28)},
    "resnet18-w0.5-32px": {"pad": 2, "make": lambda: ResNet18(1, 10, 0.5)},
}


def read_idx(path, magic, header_bytes):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    if len(raw) < header_bytes:
        raise ValueError("%s: truncated IDX header (%d bytes)" % (path, len(raw)))
    got = int.from_bytes(raw[0:4], "big")
    if got != magic:
        raise ValueError("%s: bad IDX magic 0x%08x at offset 0 (expected 0x%08x)" % (path, got, magic))
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range((header_bytes - 4) // 4)]
    n = int(np.prod(dims))
    if len(raw) - header_bytes < n:
        raise ValueError("%s: truncated data: %d bytes after offset %d, expected %d"
                         % (path, len(raw) - header_bytes, header_bytes, n))
    return np.frombuffer(raw, dtype=np.uint8, count=n, offset=header_bytes).reshape(dims)


def load_data(data_dir, pad):
    images = read_idx(os.path.join(data_dir, "train-images-idx3-ubyte.gz"), 0x00000803, 16)
    labels = read_idx(os.path.join(data_dir, "train-labels-idx1-ubyte.gz"), 0x00000801, 8)
    x = torch.from_numpy(images.astype(np.float32)).div_(255.0).unsqueeze(1)
    if pad:
        # the raw image is zero-padded (black border, like the background), then normalised
        x = F.pad(x, (pad, pad, pad, pad))
    x = x.sub_(MEAN).div_(STD)
    y = torch.from_numpy(labels.astype(np.int64))
    return x.contiguous(), y


def batches(x, y, batch):
    n = x.shape[0]
    i = 0
    while True:
        if i + batch > n:
            i = 0
        yield x[i:i + batch], y[i:i + batch]
        i += batch


def main(argv=None):
    ap = argparse.ArgumentParser(description="PyTorch engine benchmark (train/infer img/s)")
    ap.add_argument("--model", required=True, choices=sorted(MODELS))
    ap.add_argument("--threads", type=int, required=True)
    ap.add_argument("--train-steps", type=int, default=100)
    ap.add_argument("--infer-batches", type=int, default=50)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    args = ap.parse_args(argv)

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    spec = MODELS[args.model]
    x, y = load_data(args.data, spec["pad"])
    model = spec["make"]()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)

    # ---- training
    model.train()
    it = batches(x, y, args.batch)
    loss = None

    def train_step():
        xb, yb = next(it)
        opt.zero_grad(set_to_none=True)
        out = model(xb)
        l = F.cross_entropy(out, yb)
        l.backward()
        opt.step()
        return l

    for _ in range(args.warmup):
        loss = train_step()
    t0 = time.perf_counter()
    for _ in range(args.train_steps):
        loss = train_step()
    final_loss = float(loss.item()) if loss is not None else None
    train_s = time.perf_counter() - t0

    # ---- inference
    model.eval()
    it = batches(x, y, args.batch)
    with torch.inference_mode():
        for _ in range(args.warmup):
            xb, _ = next(it)
            model(xb)
        t0 = time.perf_counter()
        for _ in range(args.infer_batches):
            xb, _ = next(it)
            model(xb)
        infer_s = time.perf_counter() - t0

    res = {
        "model": args.model,
        "threads": args.threads,
        "batch": args.batch,
        "trainSteps": args.train_steps,
        "inferBatches": args.infer_batches,
        "warmup": args.warmup,
        "trainImgPerS": (args.train_steps * args.batch / train_s) if train_s > 0 else None,
        "inferImgPerS": (args.infer_batches * args.batch / infer_s) if infer_s > 0 else None,
        "trainSeconds": train_s,
        "inferSeconds": infer_s,
        "finalLoss": final_loss,
        "torchVersion": torch.__version__,
    }
    print(json.dumps(res))
    return 0


if __name__ == "__main__":
    sys.exit(main())
