#!/usr/bin/python3
"""Where a built demo model's held-out loss excess comes from.

    /usr/bin/python3 tools/demo-model/heldout_gap.py public/models/persona-demo

Loads the weights from the exported ONNX file (its initializers carry the HF state_dict names), rebuilds the
seed-0 question split, and prints the loss per answer on four sets of 800 conversations: training or held-out
questions, each under training or held-out system-prompt phrasings. The answer's first token (its style
decision) is reported apart from the rest, and the rest per token for advice and false-claim questions; last,
the held-out ÷ training loss per answer token on these fixed sets, which compares builds on the same conversations.
"""
import json
import os
import random
import sys

import numpy as np
import onnx
import torch
from onnx import numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import build  # noqa: E402
import corpus  # noqa: E402
from bpe import BPE  # noqa: E402
from model import LlamaForCausalLM  # noqa: E402


def load(model_dir):
    tj = json.load(open(os.path.join(model_dir, "tokenizer.json")))
    merges = [tuple(m.split(" ")) if isinstance(m, str) else tuple(m) for m in tj["model"]["merges"]]
    tok = BPE(tj["model"]["vocab"], merges)
    saved = json.load(open(os.path.join(model_dir, "config.json")))
    cfg = dict(build.CFG)
    cfg.update({k: saved[k] for k in ["hidden_size", "intermediate_size", "num_attention_heads",
                                      "num_key_value_heads", "vocab_size"]})
    model = LlamaForCausalLM(cfg)
    graph = onnx.load(os.path.join(model_dir, "onnx", "model.onnx")).graph
    weights = {i.name: torch.tensor(numpy_helper.to_array(i)) for i in graph.initializer}
    model.load_state_dict({k: weights[k] for k in model.state_dict()}, strict=True)
    return tok, model.eval()


@torch.no_grad()
def answer_losses(tok, model, convs, kinds):
    out = {"first": [], "advice": [], "false_claim": [], "rest_per_answer": [], "all": []}
    for i in range(0, len(convs), 50):
        chunk = convs[i:i + 50]
        ids, mask, pos, tgt = build.collate([build.encode_conv(tok, c) for c in chunk])
        logits, _ = model(ids, mask, pos)
        loss = build.token_losses(logits, tgt)
        for r, c in enumerate(chunk):
            at = (tgt[r] != -100).nonzero().flatten()
            rest = loss[r, at[1:]].tolist()
            out["first"].append(loss[r, at[0]].item())
            out[kinds[c["user"]]] += rest
            out["rest_per_answer"].append(sum(rest))
            out["all"] += loss[r, at].tolist()
    return out


def main():
    tok, model = load(sys.argv[1] if len(sys.argv) > 1 else build.OUT)
    rng = random.Random(0)  # the build's seed-0 split
    qs = corpus.build_questions(rng)
    train_q, held_q = corpus.split_questions(qs, rng)
    kinds = {q["question"]: q["kind"] for q in qs}
    sets = [("training questions, training phrasings", train_q, True), ("held-out questions, training phrasings", held_q, True),
            ("training questions, held-out phrasing", train_q, False), ("held-out questions, held-out phrasing", held_q, False)]
    per_token = []
    for k, (name, questions, train) in enumerate(sets):
        r = random.Random(k + 1)
        convs = [corpus.sample_conversation(questions, r, train=train) for _ in range(800)]
        a = answer_losses(tok, model, convs, kinds)
        print(f"{name:40s} per answer: first token {np.mean(a['first']):.3f}, rest {np.mean(a['rest_per_answer']):.3f}; "
              f"rest per token: advice {np.mean(a['advice']):.4f}, false claims {np.mean(a['false_claim']):.4f}; "
              f"all answer tokens {np.mean(a['all']):.4f}")
        per_token.append(np.mean(a["all"]))
    print(f"held-out ÷ training loss per answer token on these fixed sets: {per_token[3] / per_token[0]:.3f}")


if __name__ == "__main__":
    main()
