#!/usr/bin/env python3
"""numpy reference of the integer digits MLP (the chain's semantics: y = W·[x;1] in integers,
clamp(max(y,0) >> shift, 0, 127) between layers), for throughput comparison with burn.

  digits_reference.py MODEL_JSON DATA_CSV_GZ ROUNDS   print JSON {items, seconds, per_second, accuracy}
"""
import gzip
import json
import sys
import time

import numpy as np


def main():
    model = json.load(open(sys.argv[1]))
    rows = np.loadtxt(gzip.open(sys.argv[2], "rt"), delimiter=",", dtype=np.int64)
    x0, labels = rows[:, :64].astype(np.int32), rows[:, 64]
    rounds = int(sys.argv[3])
    layers, start = [], 0
    for layer in model["layers"]:
        w = np.array(model["rows"][start:start + layer["outputs"]], dtype=np.int32)
        start += layer["outputs"]
        layers.append((w[:, :-1].T.copy(), w[:, -1].copy(), layer["shift"]))

    def forward(x):
        for i, (w, b, shift) in enumerate(layers):
            y = x @ w + b
            if i + 1 < len(layers):
                x = np.clip(np.maximum(y, 0) >> shift, 0, 127).astype(np.int32)
        return y

    forward(x0)
    t = time.perf_counter()
    for _ in range(rounds):
        y = forward(x0)
    batched = time.perf_counter() - t
    t = time.perf_counter()
    for i in range(len(x0)):
        forward(x0[i:i + 1])
    single = time.perf_counter() - t
    acc = float((y.argmax(1) == labels).mean())
    print(json.dumps([
        {"name": "digits int8 MLP (numpy)", "items": len(x0) * rounds, "batch": len(x0), "seconds": batched,
         "per_second": len(x0) * rounds / batched, "accuracy_all": acc},
        {"name": "digits int8 MLP (numpy)", "items": len(x0), "batch": 1, "seconds": single,
         "per_second": len(x0) / single},
    ]))


if __name__ == "__main__":
    main()
