#!/usr/bin/python3
"""Long-lived PyTorch worker for bench/engine.ts, so PyTorch and tmu can run in short alternating chunks.

On a shared, noisy machine, one long run per engine measures the load of the moment as much as the
engine. engine.ts therefore keeps this process alive and asks it for short chunks of training or
inference, alternating with tmu's own chunks; each chunk is timed here, around the work only.

Models, data and optimizer are exactly those of bench/engine_pytorch.py (imported from it): the same
Fashion-MNIST training set preloaded as one float tensor (zero-padded to 32x32 before normalisation for
the ResNet), sequential batch slices wrapping around, SGD lr 0.01 momentum 0.9, cross-entropy, train mode
for training, eval mode under torch.inference_mode() for inference.

Protocol: one JSON object per line on stdin, one JSON reply per line on stdout.
  {"cmd": "setup", "model": "small-cnn"|"resnet18-w0.5-32px", "threads": N, "seed": S, "batch": B, "data": DIR}
      -> {"ok": true, "torchVersion", "threads", "samples"}      (replaces any previous model and data)
  {"cmd": "train", "seconds": T, "warmup": W}
  {"cmd": "infer", "seconds": T, "warmup": W}
      -> {"ok": true, "steps", "images", "seconds", "cpuSeconds", "loss"?}
      W untimed warm-up steps, then timed steps until T seconds have passed (at least one step).
  {"cmd": "quit"} (or end of input) -> exits 0
Errors reply {"ok": false, "error": "..."} and the worker keeps serving.
"""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from engine_pytorch import MODELS, batches, load_data  # noqa: E402


class Bench:
    def __init__(self, msg):
        spec = MODELS[msg["model"]]
        self.batch = int(msg["batch"])
        torch.set_num_threads(int(msg["threads"]))
        torch.manual_seed(int(msg["seed"]))
        self.x, self.y = load_data(msg["data"], spec["pad"])
        self.model = spec["make"]()
        self.opt = torch.optim.SGD(self.model.parameters(), lr=0.01, momentum=0.9)
        self.train_it = batches(self.x, self.y, self.batch)
        self.infer_it = batches(self.x, self.y, self.batch)

    def train_step(self):
        xb, yb = next(self.train_it)
        self.opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(self.model(xb), yb)
        loss.backward()
        self.opt.step()
        return loss

    def train(self, budget, warmup):
        self.model.train()
        for _ in range(warmup):
            self.train_step()
        loss, steps = None, 0
        c0, t0 = time.process_time(), time.perf_counter()
        while True:
            loss = self.train_step()
            steps += 1
            seconds = time.perf_counter() - t0
            if seconds >= budget:
                break
        cpu = time.process_time() - c0
        return {"steps": steps, "images": steps * self.batch, "seconds": seconds, "cpuSeconds": cpu,
                "loss": float(loss.item())}

    def infer(self, budget, warmup):
        self.model.eval()
        steps = 0
        with torch.inference_mode():
            for _ in range(warmup):
                self.model(next(self.infer_it)[0])
            c0, t0 = time.process_time(), time.perf_counter()
            while True:
                self.model(next(self.infer_it)[0])
                steps += 1
                seconds = time.perf_counter() - t0
                if seconds >= budget:
                    break
            cpu = time.process_time() - c0
        return {"steps": steps, "images": steps * self.batch, "seconds": seconds, "cpuSeconds": cpu}


def main():
    bench = None
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            msg = json.loads(line)
            cmd = msg.get("cmd")
            if cmd == "quit":
                break
            if cmd == "setup":
                bench = None
                bench = Bench(msg)
                reply = {"torchVersion": torch.__version__, "threads": torch.get_num_threads(),
                         "samples": int(bench.x.shape[0])}
            elif bench is None:
                raise RuntimeError("no model: send a setup command first")
            elif cmd == "train":
                reply = bench.train(float(msg["seconds"]), int(msg.get("warmup", 0)))
            elif cmd == "infer":
                reply = bench.infer(float(msg["seconds"]), int(msg.get("warmup", 0)))
            else:
                raise ValueError("unknown command %r" % (cmd,))
            reply["ok"] = True
        except Exception as error:  # reported to engine.ts, which fails with the message
            reply = {"ok": False, "error": "%s: %s" % (type(error).__name__, error)}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
