"""Builds the conformance corpus: tiny replicas of each exporter family, exported the way optimum /
torch.onnx exports decoders, with torch reference numbers the engine tests compare against.

    /usr/bin/python3 tools/conformance/build.py            # writes src/engine/testing/conformance/

Each replica folder holds config.json, a word-level tokenizer (ids t0 … t127), onnx/<variant>.onnx
and, per variant, reference_<variant>.safetensors + reference_<variant>.json (see README.md).
The build is deterministic: same seed, same files.
"""
import argparse
import json
import os
import shutil
import struct
import sys

import numpy as np
import onnx
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from families import FAMILIES, cache_kinds, kv_shape, randomize  # noqa: E402
import quantize  # noqa: E402

OPSET = 14
PROMPT_LEN = 7
GREEDY_STEPS = 4
CACHED_STEPS = 3
STEER_LAYER = 0
STEER_SCALE = 4.0
# Which quantized variants each family gets (fp32 `model` for all).
VARIANTS = {'llama': ['model', 'model_fp16', 'model_quantized', 'model_int8', 'model_q4'], 'phi3': ['model', 'model_q4'], 'gpt2': ['model', 'model_quantized'],
            'gemma3': ['model', 'model_quantized', 'model_q4']}
# Families whose fp32 file is post-processed into the builder's shared_embeddings layout.
SHARED_EMBEDDINGS = {'gemma3_shared'}
# Families whose fp32 file is rewritten into the onnxruntime-genai builder's fused norms.
FUSED_NORMS = {'llama_fused'}


def write_safetensors(path, tensors, metadata):
    header, blobs, offset = {'__metadata__': metadata}, [], 0
    for name, arr in tensors.items():
        arr = np.ascontiguousarray(arr, dtype=np.float32)
        data = arr.tobytes()
        header[name] = {'dtype': 'F32', 'shape': list(arr.shape), 'data_offsets': [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    head = json.dumps(header, separators=(',', ':')).encode()
    head += b' ' * ((8 - len(head) % 8) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(head)) + head + b''.join(blobs))


def cache_names(model):
    return [pair for i, block in enumerate(model.layers) for pair in cache_kinds(block, i)]


def empty_past(model, c, batch, length, make=torch.zeros):
    """KV caches [batch, kv_heads, length, head_dim]; conv states [batch, hidden, L_cache] (zeros when empty)."""
    kv, d = kv_shape(c)
    out = []
    for past, _ in cache_names(model):
        if past.startswith('past_conv'):
            out.append(make(batch, c['hidden_size'], c['conv_L_cache']) if length else torch.zeros(batch, c['hidden_size'], c['conv_L_cache']))
        else:
            out.append(make(batch, kv, length, d))
    return out


def export(model, c, path):
    ids = torch.tensor([[5, 9, 3], [7, 1, 4]])
    past = empty_past(model, c, 2, 2, make=torch.randn)
    mask = torch.ones(2, 5, dtype=torch.int64)
    pos = torch.tensor([[2, 3, 4], [2, 3, 4]])
    past_names = [p for p, _ in cache_names(model)]
    present_names = [p for _, p in cache_names(model)]
    axes = {'input_ids': {0: 'batch_size', 1: 'sequence_length'}, 'attention_mask': {0: 'batch_size', 1: 'total_sequence_length'},
            'position_ids': {0: 'batch_size', 1: 'sequence_length'}, 'logits': {0: 'batch_size', 1: 'sequence_length'}}
    for p in past_names:
        axes[p] = {0: 'batch_size'} if p.startswith('past_conv') else {0: 'batch_size', 2: 'past_sequence_length'}
    for p in present_names:
        axes[p] = {0: 'batch_size'} if p.startswith('present_conv') else {0: 'batch_size', 2: 'total_sequence_length'}
    torch.onnx.export(model, (ids, mask, pos, *past), path, input_names=['input_ids', 'attention_mask', 'position_ids', *past_names],
                      output_names=['logits', *present_names], dynamic_axes=axes, opset_version=OPSET, do_constant_folding=True)


def references(model, c, ids):
    """Unsteered and steered residual rows [L+1, T, H] and logits [T, V]; greedy continuation."""
    hidden = c.get('hidden_size', c.get('n_embd'))
    t = len(ids)
    inp = torch.tensor([ids])
    mask = torch.ones(1, t, dtype=torch.int64)
    pos = torch.arange(t).unsqueeze(0)
    out = {}
    with torch.no_grad():
        logits, _, stream = model.run(inp, mask, pos, empty_past(model, c, 1, 0))
        out['resid'] = torch.stack(stream)[:, 0]
        out['logits'] = logits[0]
        g = torch.Generator().manual_seed(99)
        vec = torch.randn(hidden, generator=g)
        vec = vec / vec.norm() * STEER_SCALE * float(stream[STEER_LAYER + 1][0].norm(dim=-1).mean())
        model.steer = (STEER_LAYER, vec)
        logits_s, _, stream_s = model.run(inp, mask, pos, empty_past(model, c, 1, 0))
        model.steer = None
        out['resid_steered'] = torch.stack(stream_s)[:, 0]
        out['logits_steered'] = logits_s[0]
        out['steer_vector'] = vec
        # The same prompt through the cache: prefill all but the last CACHED_STEPS tokens, then one at a
        # time (what the engine's test does; dynamic q8 gives other numbers than one full pass).
        rows, logit_rows, past = [], [], empty_past(model, c, 1, 0)
        bounds = [0, t - CACHED_STEPS] + list(range(t - CACHED_STEPS + 1, t + 1))
        for a, b in zip(bounds, bounds[1:]):
            lg, past, stream_c = model.run(inp[:, a:b], torch.ones(1, b, dtype=torch.int64), pos[:, a:b], past)
            rows.append(torch.stack(stream_c)[:, 0])
            logit_rows.append(lg[0])
        out['resid_cached'] = torch.cat(rows, dim=1)
        out['logits_cached'] = torch.cat(logit_rows, dim=0)
        # Greedy continuation, decoded with the cache as the engine decodes.
        seq = list(ids)
        next_id = int(logits[0, -1].argmax())
        _, past, _ = model.run(inp, mask, pos, empty_past(model, c, 1, 0))
        for step in range(GREEDY_STEPS):
            seq.append(next_id)
            if step == GREEDY_STEPS - 1:
                break
            n = len(seq)
            lg, past, _ = model.run(torch.tensor([[next_id]]), torch.ones(1, n, dtype=torch.int64), torch.tensor([[n - 1]]), past)
            next_id = int(lg[0, -1].argmax())
    return {k: v.numpy() for k, v in out.items()}, seq[t:]


def tokenizer_files(vocab):
    words = {f't{i}': i for i in range(vocab)}
    special = [{'id': i, 'content': f't{i}', 'single_word': False, 'lstrip': False, 'rstrip': False, 'normalized': False, 'special': True} for i in range(3)]
    tok = {'version': '1.0', 'truncation': None, 'padding': None, 'added_tokens': special, 'normalizer': None,
           'pre_tokenizer': {'type': 'Whitespace'}, 'post_processor': None, 'decoder': None,
           'model': {'type': 'WordLevel', 'vocab': words, 'unk_token': 't0'}}
    cfg = {'tokenizer_class': 'PreTrainedTokenizer', 'pad_token': 't0', 'bos_token': 't1', 'eos_token': 't2', 'model_max_length': 256}
    return tok, cfg


def build_family(name, out_root, seed):
    torch.manual_seed(seed)
    c, model = FAMILIES[name]()
    model.eval()
    randomize(model, seed)
    folder = os.path.join(out_root, name)
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(os.path.join(folder, 'onnx'))
    config = dict(c)
    config['architectures'] = [f'{name}-conformance-replica']
    with open(os.path.join(folder, 'config.json'), 'w') as f:
        json.dump(config, f, indent=2)
    tok, tok_cfg = tokenizer_files(c['vocab_size'])
    with open(os.path.join(folder, 'tokenizer.json'), 'w') as f:
        json.dump(tok, f)
    with open(os.path.join(folder, 'tokenizer_config.json'), 'w') as f:
        json.dump(tok_cfg, f, indent=2)

    rng = np.random.default_rng(seed)
    ids = [int(i) for i in rng.integers(3, c['vocab_size'], PROMPT_LEN)]
    summary = {}
    for variant in VARIANTS.get(name, ['model']):
        torch.manual_seed(seed)
        _, m = FAMILIES[name]()
        m.eval()
        randomize(m, seed)
        path = os.path.join(folder, 'onnx', f'{variant}.onnx')
        if variant == 'model_q4':
            quantize.fake_quant_int4_(m)
        if variant == 'model_fp16':
            with torch.no_grad():
                for p in m.parameters():
                    p.copy_(p.half().float())
        export(m, c, path)
        proto = onnx.load(path)
        note = 'fp32 export'
        if variant == 'model_quantized':
            m.embed_override = torch.from_numpy(quantize.quantize_embedding_q8(proto, table))
            note = 'uint8 embedding table + DequantizeLinear'
        table = next(n.input[0] for n in proto.graph.node if n.op_type == 'Gather' and n.input[1] == 'input_ids')
        if variant == 'model_fp16':
            quantize.convert_fp16(proto)
            note = 'float16 weights and activations, float32 inputs and outputs (reference: fp32 arithmetic on the same fp16-rounded weights)'
        if variant == 'model_int8':
            m.embed_override = torch.from_numpy(quantize.quantize_embedding_q8(proto, table))
            count = quantize.quantize_matmuls_q8(proto)
            quantize.emulate_q8_(m)
            note = f'uint8 embedding table + DequantizeLinear; {count} MatMul -> DynamicQuantizeLinear + MatMulInteger (int8 weights)'
        if variant == 'model_q4':
            count = quantize.quantize_matmuls_int4(proto)
            note = f'{count} MatMul -> MatMulNBits (int4, block 32)'
            if m.head is None:
                quantize.share_embedding_int4(proto, table, c['vocab_size'], c['hidden_size'])
                note += '; tied table: GatherBlockQuantized of the head weights'
        if variant == 'model' and name in FUSED_NORMS:
            quantize.fuse_norms_builder_style(proto, c['num_hidden_layers'])
            note = 'builder-style norms: SimplifiedLayerNormalization, then SkipSimplifiedLayerNormalization per residual Add'
        if variant == 'model' and name in SHARED_EMBEDDINGS:
            quantize.share_embedding_transposed(proto, table)
            note = 'tied table: Gather of Transpose(head weight)'
        if name not in FUSED_NORMS:  # onnx's checker does not know onnxruntime's SimplifiedLayerNormalization
            onnx.checker.check_model(proto)
        onnx.save(proto, path)
        refs, greedy = references(m, c, ids)
        meta = {'family': name, 'variant': variant, 'note': note}
        write_safetensors(os.path.join(folder, f'reference_{variant}.safetensors'), refs, meta)
        with open(os.path.join(folder, f'reference_{variant}.json'), 'w') as f:
            json.dump({'ids': ids, 'steer_layer': STEER_LAYER, 'greedy': greedy, 'cached_steps': CACHED_STEPS, 'note': note,
                       'rows': 'resid[l] = residual stream before the final norm: row 0 embedding output, row l+1 output of block l'}, f, indent=2)
        summary[variant] = {'bytes': os.path.getsize(path), 'greedy': greedy, 'note': note}
    return summary


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    default_out = os.path.normpath(os.path.join(here, '../../src/engine/testing/conformance'))
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--out', default=default_out)
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--only', nargs='*', help='family names (default: all)')
    args = p.parse_args()
    torch.set_num_threads(1)
    for name in args.only or list(FAMILIES):
        summary = build_family(name, args.out, args.seed)
        for variant, s in summary.items():
            print(f'{name:10s} {variant:16s} {s["bytes"] / 1024:7.1f} KiB  greedy {s["greedy"]}  ({s["note"]})')


if __name__ == '__main__':
    main()
