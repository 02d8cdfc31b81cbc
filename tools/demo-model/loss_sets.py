#!/usr/bin/python3
"""Add the loss sets to a demo model built before build.py wrote them.

    /usr/bin/python3 tools/demo-model/loss_sets.py public/models/persona-demo

Redraws the build's corpus from the seed and corpus options in its training_report.json, checks that the
redrawn held-out conversations are exactly the shipped heldout_corpus.jsonl, then writes
train_corpus_sample.jsonl and the torch losses on both sets ("loss_sets" in the report), as build.py does.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import build  # noqa: E402
from heldout_gap import load  # noqa: E402


def main():
    model_dir = sys.argv[1] if len(sys.argv) > 1 else build.OUT
    report_path = os.path.join(model_dir, "training_report.json")
    report = json.load(open(report_path))
    _, _, _, _, held_c, train_eval_c = build.make_data(
        report["seed"], report.get("n_train", build.N_TRAIN), report.get("foreign_filler_share", 0.0),
        report.get("foreign_prompt_word_share", 0.0), report.get("foreign_phase", "all"))
    shipped = [json.loads(line) for line in open(os.path.join(model_dir, "heldout_corpus.jsonl"))]
    redrawn = [{"system": c["system"], "user": c["user"], "assistant": c["assistant"]} for c in held_c[:len(shipped)]]
    if redrawn != [{k: c[k] for k in ("system", "user", "assistant")} for c in shipped]:
        sys.exit("the redrawn held-out corpus differs from heldout_corpus.jsonl: the corpus code or options changed")
    tok, model = load(model_dir)
    report["loss_sets"] = build.write_loss_sets(model_dir, tok, model, held_c, train_eval_c)
    with open(report_path, "w") as f:
        json.dump(report, f, indent=2)
    print(json.dumps(report["loss_sets"], indent=2))


if __name__ == "__main__":
    main()
