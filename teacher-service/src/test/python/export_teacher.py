#!/usr/bin/env python3
"""Rebuilds a DJL-native teacher in PyTorch and saves it as TorchScript and ONNX.

Input: the directory written by io.distill.teacher.model.TeacherWeightsExport (weights.json with the
architecture and tensor layout, weights.f32 with the float32 little-endian values).
Output: <out>/teacher.pt (torch.jit.trace, saved with torch.jit.save) and <out>/teacher.onnx
(torch.onnx.export, dynamic batch axis). Both take (batch, *inputShape) float32 and return logits,
like the DJL network; the teacher service applies log-softmax itself.

Supports the cnn family of core's architecture factory:
  per channel entry Conv2d(k, padding k//2) [-> BatchNorm2d] -> ReLU -> MaxPool2d(2)
  then flatten -> Linear(dense) -> ReLU [-> Dropout] -> Linear(classes).

Usage: export_teacher.py <weights dir> <out dir>
"""
import json
import os
import sys

import numpy as np
import torch
from torch import nn


def read_tensors(weights_dir):
    with open(os.path.join(weights_dir, "weights.json")) as f:
        manifest = json.load(f)
    raw = np.fromfile(os.path.join(weights_dir, "weights.f32"), dtype="<f4")
    groups = []  # [(layer prefix, {kind: tensor})] in network order
    for t in manifest["tensors"]:
        prefix, kind = t["name"].rsplit("_", 1)
        size = int(np.prod(t["shape"]))
        value = torch.from_numpy(raw[t["offset"]:t["offset"] + size].reshape(t["shape"]).copy())
        if not groups or groups[-1][0] != prefix:
            groups.append((prefix, {}))
        groups[-1][1][kind] = value
    return manifest, groups


def build_cnn(manifest, groups):
    spec = manifest["spec"]
    shape = manifest["inputShape"]
    chw = shape if len(shape) == 3 else [1] + shape
    if len(shape) == 1:
        side = int(round(shape[0] ** 0.5))
        chw = [1, side, side]
    kernel = spec["kernel"]
    batch_norm = spec.get("batchNorm", False)
    layers = []
    it = iter(groups)

    def take(expected):
        name, tensors = next(it)
        if expected not in name:
            raise SystemExit("expected a %s parameter group, found %s" % (expected, name))
        return tensors

    in_channels = chw[0]
    for channels in spec["channels"]:
        conv = nn.Conv2d(in_channels, channels, kernel, stride=1, padding=kernel // 2)
        p = take("Conv2d")
        conv.weight.data.copy_(p["weight"])
        conv.bias.data.copy_(p["bias"])
        layers.append(conv)
        if batch_norm:
            bn = nn.BatchNorm2d(channels, eps=manifest["batchNormEpsilon"])
            p = take("BatchNorm")
            bn.weight.data.copy_(p["gamma"])
            bn.bias.data.copy_(p["beta"])
            bn.running_mean.data.copy_(p["runningMean"])
            bn.running_var.data.copy_(p["runningVar"])
            layers.append(bn)
        layers += [nn.ReLU(), nn.MaxPool2d(2, 2)]
        in_channels = channels
    layers.append(nn.Flatten())
    for relu in (True, False):
        p = take("Linear")
        linear = nn.Linear(p["weight"].shape[1], p["weight"].shape[0])
        linear.weight.data.copy_(p["weight"])
        linear.bias.data.copy_(p["bias"])
        layers.append(linear)
        if relu:
            layers.append(nn.ReLU())
    rest = list(it)
    if rest:
        raise SystemExit("unused parameter groups: %s" % [g[0] for g in rest])
    return nn.Sequential(*layers), chw


def main(argv):
    if len(argv) != 3:
        raise SystemExit("usage: export_teacher.py <weights dir> <out dir>")
    manifest, groups = read_tensors(argv[1])
    if manifest["family"] != "cnn":
        raise SystemExit("only the cnn family can be exported, not " + manifest["family"])
    net, chw = build_cnn(manifest, groups)
    net.eval()
    out_dir = argv[2]
    os.makedirs(out_dir, exist_ok=True)
    example = torch.zeros([2] + list(manifest["inputShape"]))
    body = net
    if list(manifest["inputShape"]) != chw:
        body = nn.Sequential(Reshape(chw), net)
        body.eval()
    with torch.no_grad():
        traced = torch.jit.trace(body, example)
        torch.jit.save(traced, os.path.join(out_dir, "teacher.pt"))
        torch.onnx.export(body, example, os.path.join(out_dir, "teacher.onnx"), input_names=["input"],
                          output_names=["logits"], dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}},
                          opset_version=13)
    print("torch %s: wrote %s/teacher.pt and %s/teacher.onnx" % (torch.__version__, out_dir, out_dir))


class Reshape(nn.Module):
    def __init__(self, chw):
        super().__init__()
        self.chw = list(chw)

    def forward(self, x):
        return x.reshape([x.shape[0]] + self.chw)


if __name__ == "__main__":
    main(sys.argv)
