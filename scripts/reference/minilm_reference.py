#!/usr/bin/env python3
"""Independent reference for all-MiniLM-L6-v2: Hugging Face `tokenizers` (from the model's own
tokenizer.json) and a from-scratch numpy BERT forward pass in float64, mean pooling and L2
normalization, read straight from model.safetensors (no torch, no sentence-transformers).

  minilm_reference.py MODEL_DIR fixture OUT.json     write token ids and embeddings of SENTENCES
  minilm_reference.py MODEL_DIR bench N BATCH...     time N texts in batches of each BATCH
                                                     (float32), print a JSON list
"""
import json
import math
import struct
import sys
import time

import numpy as np
from tokenizers import Tokenizer

SENTENCES = [
    "A man is eating food.",
    "A man is eating a piece of bread.",
    "The new movie is awesome!",
    "Proof of inference pays GPU owners for verified work.",
    "Héllo, WÖRLD — naïve café façade; don't tokenize me wrongly?",
    "日本語のテキストと中文字符 mixed with English.",
    "",
    "supercalifragilisticexpialidocious antidisestablishmentarianism",
    "Credits expire after 365 days, and no account may hold more than 5% of them.",
    "The quick brown fox jumps over the lazy dog. " * 40,
]
MAX_TOKENS = 256


def load_safetensors(path, dtype):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, meta in header.items():
        if name == "__metadata__" or meta["dtype"] != "F32":
            continue
        start, end = meta["data_offsets"]
        out[name] = np.frombuffer(data[start:end], dtype="<f4").reshape(meta["shape"]).astype(dtype)
    return out


def tokenizer(model_dir):
    tok = Tokenizer.from_file(f"{model_dir}/tokenizer.json")
    tok.no_padding()
    tok.enable_truncation(MAX_TOKENS)
    return tok


def layer_norm(x, g, b, eps):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * g + b


def gelu(x):
    """Exact (erf) GELU: math.erf elementwise in float64 for the fixture; for the float32
    benchmark a vectorized erf (Abramowitz & Stegun 7.1.26, |error| < 1.5e-7, below float32
    resolution of the result) so that numpy is not held back by a Python loop."""
    z = x / math.sqrt(2.0)
    if x.dtype == np.float64:
        erf = np.vectorize(math.erf)(z)
    else:
        a = np.abs(z)
        t = 1.0 / (1.0 + 0.3275911 * a)
        poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
        erf = np.sign(z) * (1.0 - poly * np.exp(-a * a))
    return (0.5 * x * (1.0 + erf)).astype(x.dtype)


def embed(w, cfg, batch_ids):
    h, heads = cfg["hidden_size"], cfg["num_attention_heads"]
    hd = h // heads
    eps = cfg["layer_norm_eps"]
    b, s = len(batch_ids), max(len(i) for i in batch_ids)
    ids = np.zeros((b, s), dtype=np.int64)
    mask = np.zeros((b, s), dtype=w["embeddings.word_embeddings.weight"].dtype)
    for r, row in enumerate(batch_ids):
        ids[r, : len(row)] = row
        mask[r, : len(row)] = 1
    x = (w["embeddings.word_embeddings.weight"][ids]
         + w["embeddings.position_embeddings.weight"][:s][None]
         + w["embeddings.token_type_embeddings.weight"][0][None, None])
    x = layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], eps)
    add = (mask - 1.0)[:, None, None, :] * 1e9
    for i in range(cfg["num_hidden_layers"]):
        p = f"encoder.layer.{i}."
        lin = lambda t, n: t @ w[p + n + ".weight"].T + w[p + n + ".bias"]
        split = lambda t: t.reshape(b, s, heads, hd).transpose(0, 2, 1, 3)
        q, k, v = (split(lin(x, "attention.self." + n)) for n in ("query", "key", "value"))
        scores = q @ k.transpose(0, 1, 3, 2) / math.sqrt(hd) + add
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        probs = scores / scores.sum(-1, keepdims=True)
        ctx = (probs @ v).transpose(0, 2, 1, 3).reshape(b, s, h)
        x = layer_norm(lin(ctx, "attention.output.dense") + x,
                       w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"], eps)
        f = lin(gelu(lin(x, "intermediate.dense")), "output.dense")
        x = layer_norm(f + x, w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"], eps)
    pooled = (x * mask[:, :, None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1e-9)
    return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)


def main():
    model_dir, mode = sys.argv[1], sys.argv[2]
    cfg = json.load(open(f"{model_dir}/config.json"))
    tok = tokenizer(model_dir)
    if mode == "fixture":
        w = load_safetensors(f"{model_dir}/model.safetensors", np.float64)
        entries = []
        for text in SENTENCES:
            ids = tok.encode(text).ids
            entries.append({"text": text, "ids": ids,
                            "embedding": [float("%.9g" % v) for v in embed(w, cfg, [ids])[0]]})
        with open(sys.argv[3], "w") as f:
            json.dump({"reference": "numpy float64 BERT + HF tokenizers " + __import__("tokenizers").__version__
                       + ", numpy " + np.__version__, "sentences": entries}, f, separators=(",", ":"))
    elif mode == "bench":
        n = int(sys.argv[3])
        w = load_safetensors(f"{model_dir}/model.safetensors", np.float32)
        # The same texts as `declai-worker bench-models` (bench::bench_texts).
        texts = [SENTENCES[i % 4] + f" ({i})" for i in range(n)]
        embed(w, cfg, [tok.encode(t).ids for t in texts[:4]])
        out = []
        for batch in map(int, sys.argv[4:]):
            start = time.perf_counter()
            for i in range(0, n, batch):
                embed(w, cfg, [tok.encode(t).ids for t in texts[i:i + batch]])
            secs = time.perf_counter() - start
            out.append({"name": "all-MiniLM-L6-v2 f32 (numpy)", "items": n, "batch": batch, "seconds": secs,
                        "per_second": n / secs})
        print(json.dumps(out))
    else:
        sys.exit(f"unknown mode {mode}")


if __name__ == "__main__":
    main()
