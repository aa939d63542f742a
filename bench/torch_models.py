#!/usr/bin/python3
"""PyTorch twins of tmu's models (src/models), plus a hand-written safetensors reader/writer.

The TypeScript models mirror these exactly, parameter for parameter, so a state dict saved by tmu as
safetensors loads here with `load_state_dict(strict=True)` and gives the same logits.

State-dict names
----------------
SmallCNN(in_channels=1, num_classes=10, image_size=28)
    conv1.{weight,bias}  Conv2d(in, 32, 3, padding=1)     -> relu -> max_pool2d(2)
    conv2.{weight,bias}  Conv2d(32, 64, 3, padding=1)     -> relu -> max_pool2d(2) -> flatten
    fc1.{weight,bias}    Linear(64 * (image_size // 4) ** 2, 128) -> relu      (= features(x))
    fc2.{weight,bias}    Linear(128, num_classes)

ResNet(depth, in_channels=3, num_classes=10, width=1.0, stem="cifar")   torchvision's layout
    torchvision.models.resnet18/34/50's exact module names (a state dict loads in either, strictly);
    with width 1, 3 channels and the imagenet stem it *is* torchvision's model, name for name.
    planes c(p) = max(1, round_half_up(p * width)) for p in 64, 128, 256, 512
    conv1.weight    stem "imagenet": Conv2d(in, c(64), 7, stride 2, padding 3) -> bn1 -> relu -> max_pool(3, 2, 1)
                    stem "cifar":    Conv2d(in, c(64), 3, stride 1, padding 1) -> bn1 -> relu (no max-pool)
    layer{1..4}.{i}  BasicBlock (18: 2,2,2,2; 34: 3,4,6,3 blocks) or Bottleneck (50: 3,4,6,3; expansion 4)
    layer{k}.0.downsample.{0,1}  1x1 conv (stride s, no bias) + BatchNorm2d, where the shape changes
    fc.{weight,bias}  Linear(c(512) * expansion, num_classes)
    features(x) = adaptive_avg_pool2d(1) -> flatten of layer4's output (the input of fc)
    BatchNorm: eps 1e-5, momentum 0.1, with `*.num_batches_tracked` (int64, shape []).

MLP(in_features, hidden=(256, 128), num_classes=10)
    input is flattened from dim 1 (so [N, 1, 28, 28] images work)
    layers.0.{weight,bias}  Linear(in_features, hidden[0]); layers.1 ReLU
    layers.2.{weight,bias}  Linear(hidden[0], hidden[1]);   layers.3 ReLU   (layers.{2i} Linear, {2i+1} ReLU)
    head.{weight,bias}      Linear(hidden[-1], num_classes)
    features(x) = output of the last ReLU (the input to head)

CLI
---
  /usr/bin/python3 bench/torch_models.py logits --arch cnn|resnet18|resnet34|resnet50|mlp [--width W] [--stem cifar|imagenet] [--in-channels C]
      [--classes K] [--hidden 256,128] [--image-size S] --weights FILE.safetensors --input INPUT.json
      [--features]
  prints {"logits": {"shape": [...], "data": [...]}} (and "features" with --features). INPUT.json is
  {"shape": [N, C, H, W], "data": [...]} (row-major). The model is built, the weights are loaded strictly,
  and the forward runs in eval mode under no_grad, in the weights' floating dtype.

  /usr/bin/python3 bench/torch_models.py init --arch ... --seed S --out FILE.safetensors
  writes a freshly initialised PyTorch model (for the opposite check: PyTorch weights loaded by tmu).
"""
import argparse
import json
import math
import struct
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def round_half_up(x):
    """Like JavaScript's Math.round for positive numbers (Python's round() is banker's rounding)."""
    return int(math.floor(x + 0.5))


def scaled(planes, width):
    return max(1, round_half_up(planes * width))


# ------------------------------------------------------------------------------------------ models
class SmallCNN(nn.Module):
    def __init__(self, in_channels=1, num_classes=10, image_size=28):
        super().__init__()
        if image_size % 4 != 0:
            raise ValueError("SmallCNN: image_size must be divisible by 4, got %d" % image_size)
        self.conv1 = nn.Conv2d(in_channels, 32, 3, padding=1)
        self.conv2 = nn.Conv2d(32, 64, 3, padding=1)
        self.fc1 = nn.Linear(64 * (image_size // 4) ** 2, 128)
        self.fc2 = nn.Linear(128, num_classes)

    def features(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = torch.flatten(x, 1)
        return F.relu(self.fc1(x))

    def forward(self, x):
        return self.fc2(self.features(x))


class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, in_planes, planes, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = None
        if stride != 1 or in_planes != planes:
            self.downsample = nn.Sequential(nn.Conv2d(in_planes, planes, 1, stride=stride, bias=False),
                                            nn.BatchNorm2d(planes))

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        identity = x if self.downsample is None else self.downsample(x)
        return self.relu(out + identity)


class Bottleneck(nn.Module):
    expansion = 4

    def __init__(self, in_planes, planes, stride=1):
        super().__init__()
        out_planes = planes * 4
        self.conv1 = nn.Conv2d(in_planes, planes, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, out_planes, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(out_planes)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = None
        if stride != 1 or in_planes != out_planes:
            self.downsample = nn.Sequential(nn.Conv2d(in_planes, out_planes, 1, stride=stride, bias=False),
                                            nn.BatchNorm2d(out_planes))

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        identity = x if self.downsample is None else self.downsample(x)
        return self.relu(out + identity)


RESNET_LAYERS = {18: (BasicBlock, (2, 2, 2, 2)), 34: (BasicBlock, (3, 4, 6, 3)), 50: (Bottleneck, (3, 4, 6, 3))}


class ResNet(nn.Module):
    def __init__(self, depth=18, in_channels=3, num_classes=10, width=1.0, stem="cifar"):
        super().__init__()
        block, layers = RESNET_LAYERS[depth]
        c = [scaled(p, width) for p in (64, 128, 256, 512)]
        self.stem = stem
        if stem == "imagenet":
            self.conv1 = nn.Conv2d(in_channels, c[0], 7, stride=2, padding=3, bias=False)
        else:
            self.conv1 = nn.Conv2d(in_channels, c[0], 3, stride=1, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(c[0])
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, 2, 1) if stem == "imagenet" else nn.Identity()
        self.in_planes = c[0]
        self.layer1 = self._make_layer(block, c[0], layers[0], 1)
        self.layer2 = self._make_layer(block, c[1], layers[1], 2)
        self.layer3 = self._make_layer(block, c[2], layers[2], 2)
        self.layer4 = self._make_layer(block, c[3], layers[3], 2)
        self.fc = nn.Linear(c[3] * block.expansion, num_classes)
        # torchvision's initialisation (tmu's ResNet does the same, in the same order).
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")

    def _make_layer(self, block, planes, blocks, stride):
        layers = []
        for s in [stride] + [1] * (blocks - 1):
            layers.append(block(self.in_planes, planes, s))
            self.in_planes = planes * block.expansion
        return nn.Sequential(*layers)

    def features(self, x):
        out = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        out = self.layer4(self.layer3(self.layer2(self.layer1(out))))
        out = F.adaptive_avg_pool2d(out, 1)
        return torch.flatten(out, 1)

    def forward(self, x):
        return self.fc(self.features(x))


def ResNet18(in_channels=3, num_classes=10, width=1.0, stem="cifar"):
    return ResNet(18, in_channels, num_classes, width, stem)


class MLP(nn.Module):
    def __init__(self, in_features, hidden=(256, 128), num_classes=10):
        super().__init__()
        mods = []
        prev = in_features
        for h in hidden:
            mods.append(nn.Linear(prev, h))
            mods.append(nn.ReLU())
            prev = h
        self.layers = nn.Sequential(*mods)
        self.head = nn.Linear(prev, num_classes)

    def features(self, x):
        return self.layers(torch.flatten(x, 1))

    def forward(self, x):
        return self.head(self.features(x))


def build_model(arch, in_channels=1, num_classes=10, width=1.0, image_size=28, hidden=(256, 128),
                in_features=None, stem="cifar"):
    if arch in ("cnn", "small-cnn", "smallcnn"):
        return SmallCNN(in_channels, num_classes, image_size)
    if arch in ("resnet18", "resnet34", "resnet50"):
        return ResNet(int(arch[6:]), in_channels, num_classes, width, stem)
    if arch == "mlp":
        if in_features is None:
            in_features = in_channels * image_size * image_size
        return MLP(in_features, tuple(hidden), num_classes)
    raise ValueError("unknown arch %r (cnn, resnet18, resnet34, resnet50, mlp)" % arch)


# ------------------------------------------------------------------------------------------ safetensors
# name -> (torch dtype, numpy little-endian dtype or None, item size)
_ST_DTYPES = {
    "F64": (torch.float64, "<f8", 8),
    "F32": (torch.float32, "<f4", 4),
    "F16": (torch.float16, "<f2", 2),
    "BF16": (torch.bfloat16, None, 2),
    "I64": (torch.int64, "<i8", 8),
    "I32": (torch.int32, "<i4", 4),
    "I16": (torch.int16, "<i2", 2),
    "I8": (torch.int8, "i1", 1),
    "U8": (torch.uint8, "u1", 1),
    "BOOL": (torch.bool, "?", 1),
}
_TORCH_TO_ST = {v[0]: k for k, v in _ST_DTYPES.items()}


def read_safetensors(path):
    """Returns (tensors: dict[str, Tensor], metadata: dict[str, str])."""
    with open(path, "rb") as f:
        raw = f.read()
    if len(raw) < 8:
        raise ValueError("%s: file too short for a safetensors header (%d bytes)" % (path, len(raw)))
    (n,) = struct.unpack("<Q", raw[:8])
    if 8 + n > len(raw):
        raise ValueError("%s: header length %d runs past end of file (%d bytes)" % (path, n, len(raw)))
    try:
        header = json.loads(raw[8:8 + n].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ValueError("%s: bad JSON header at offset 8: %s" % (path, e))
    if not isinstance(header, dict):
        raise ValueError("%s: header is not a JSON object" % path)
    buf = memoryview(raw)[8 + n:]
    metadata = header.pop("__metadata__", None) or {}
    out = {}
    for name, info in header.items():
        try:
            dt = info["dtype"]
            shape = [int(s) for s in info["shape"]]
            begin, end = (int(v) for v in info["data_offsets"])
        except (KeyError, TypeError, ValueError):
            raise ValueError("%s: tensor %r has a malformed header entry %r" % (path, name, info))
        if dt not in _ST_DTYPES:
            raise ValueError("%s: tensor %r has unsupported dtype %r" % (path, name, dt))
        tdtype, npdtype, size = _ST_DTYPES[dt]
        numel = 1
        for s in shape:
            if s < 0:
                raise ValueError("%s: tensor %r has negative dimension in %r" % (path, name, shape))
            numel *= s
        if not (0 <= begin <= end <= len(buf)):
            raise ValueError("%s: tensor %r offsets [%d, %d] outside data buffer of %d bytes (file offset %d)"
                             % (path, name, begin, end, len(buf), 8 + n + begin))
        if end - begin != numel * size:
            raise ValueError("%s: tensor %r has %d bytes, expected %d for %s %r"
                             % (path, name, end - begin, numel * size, dt, shape))
        chunk = bytes(buf[begin:end])
        if npdtype is None:  # bf16: reinterpret int16 bits
            arr = np.frombuffer(chunk, dtype="<i2").astype(np.int16)
            t = torch.from_numpy(arr.copy()).view(torch.bfloat16)
        else:
            arr = np.frombuffer(chunk, dtype=npdtype)
            t = torch.from_numpy(arr.astype(arr.dtype.newbyteorder("=")).copy())
        out[name] = t.reshape(shape)
    return out, {str(k): str(v) for k, v in metadata.items()}


def load_safetensors(path):
    """dict[str, torch.Tensor] from a .safetensors file."""
    return read_safetensors(path)[0]


def save_safetensors(path, state_dict, metadata=None):
    """Writes tensors (sorted by name, packed, little-endian) and optional str->str metadata.
    The header is padded with spaces to a multiple of 8 bytes, like the reference implementation."""
    header = {}
    chunks = []
    offset = 0
    for name in sorted(state_dict):
        t = state_dict[name].detach().cpu().contiguous()
        if t.dtype not in _TORCH_TO_ST:
            raise ValueError("save_safetensors: unsupported dtype %s for %r" % (t.dtype, name))
        st = _TORCH_TO_ST[t.dtype]
        if t.dtype == torch.bfloat16:
            data = t.view(torch.int16).numpy().astype("<i2").tobytes()
        else:
            data = t.numpy().astype(_ST_DTYPES[st][1]).tobytes()
        header[name] = {"dtype": st, "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    hb = json.dumps(header, separators=(",", ":")).encode("utf-8")
    hb += b" " * ((8 - len(hb) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hb)))
        f.write(hb)
        for c in chunks:
            f.write(c)


# ------------------------------------------------------------------------------------------ CLI
def _tensor_json(t):
    return {"shape": list(t.shape), "data": [float(v) for v in t.detach().double().reshape(-1).tolist()]}


def _model_from_args(args, x_shape=None):
    hidden = tuple(int(h) for h in args.hidden.split(",") if h.strip())
    image_size = args.image_size
    in_features = None
    if x_shape is not None:
        if image_size is None and len(x_shape) == 4:
            image_size = x_shape[-1]
        in_features = int(np.prod(x_shape[1:]))
    if image_size is None:
        image_size = 32 if args.arch.startswith("resnet") else 28
    if args.arch == "mlp" and in_features is None:
        in_features = args.in_channels * image_size * image_size
    return build_model(args.arch, args.in_channels, args.classes, args.width, image_size, hidden, in_features,
                       args.stem)


def _cmd_logits(args):
    with open(args.input) as f:
        inp = json.load(f)
    shape = [int(s) for s in inp["shape"]]
    state = load_safetensors(args.weights)
    model = _model_from_args(args, shape)
    fdtypes = {t.dtype for t in state.values() if t.is_floating_point()}
    dtype = torch.float64 if fdtypes == {torch.float64} else torch.float32
    model = model.to(dtype)
    model.load_state_dict(state, strict=True)
    model.eval()
    x = torch.tensor(inp["data"], dtype=dtype).reshape(shape)
    with torch.no_grad():
        res = {"logits": _tensor_json(model(x))}
        if args.features:
            res["features"] = _tensor_json(model.features(x))
    print(json.dumps(res))
    return 0


def _cmd_init(args):
    torch.manual_seed(args.seed)
    model = _model_from_args(args)
    meta = {"arch": args.arch, "width": str(args.width), "in_channels": str(args.in_channels),
            "num_classes": str(args.classes), "framework": "pytorch " + torch.__version__}
    save_safetensors(args.out, model.state_dict(), meta)
    print(json.dumps({"out": args.out, "tensors": len(model.state_dict())}))
    return 0


def main(argv=None):
    ap = argparse.ArgumentParser(description="PyTorch twins of tmu's models")
    sub = ap.add_subparsers(dest="cmd", required=True)

    def common(p):
        p.add_argument("--arch", required=True, choices=["cnn", "small-cnn", "resnet18", "resnet34", "resnet50", "mlp"])
        p.add_argument("--width", type=float, default=1.0)
        p.add_argument("--stem", choices=["cifar", "imagenet"], default="cifar")
        p.add_argument("--in-channels", type=int, default=1)
        p.add_argument("--classes", type=int, default=10)
        p.add_argument("--hidden", default="256,128", help="MLP hidden sizes, comma-separated")
        p.add_argument("--image-size", type=int, default=None,
                       help="SmallCNN / MLP input size (default: from the input's last dim)")

    pl = sub.add_parser("logits", help="eval-mode logits of a safetensors model on a JSON input")
    common(pl)
    pl.add_argument("--weights", required=True)
    pl.add_argument("--input", required=True)
    pl.add_argument("--features", action="store_true", help="also print features(x)")
    pl.set_defaults(fn=_cmd_logits)

    pi = sub.add_parser("init", help="write a freshly initialised model as safetensors")
    common(pi)
    pi.add_argument("--seed", type=int, default=0)
    pi.add_argument("--out", required=True)
    pi.set_defaults(fn=_cmd_init)

    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    return args.fn(args)


if __name__ == "__main__":
    sys.exit(main())
