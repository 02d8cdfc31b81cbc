"""Tiny decoder models in the structure of each exporter family.

Written for this project from the published structure of the Hugging Face modeling code (module
layout, norms, residual wiring, rotary variant, fused projections); no code is copied. Every model
has the same calling convention as an optimum / torch.onnx decoder export:

    forward(input_ids, attention_mask, position_ids, *past) -> (logits, *present)

with past = [key_0, value_0, key_1, value_1, ...], each [batch, kv_heads, past_len, head_dim].
`run()` also returns the residual stream before the final norm (row 0 = embedding output, row l+1 =
output of block l) and can add a steering vector to the output of one block, at every position.
"""
import math

import torch
from torch import nn
import torch.nn.functional as F

NEG = torch.finfo(torch.float32).min


def additive_mask(attention_mask, q_len):
    """[B, 1, T, S] additive mask: causal over the total length S, and padding from attention_mask."""
    total = attention_mask.shape[1]
    past = total - q_len
    rows = torch.arange(q_len).unsqueeze(1) + past
    cols = torch.arange(total).unsqueeze(0)
    allowed = (cols <= rows).unsqueeze(0).unsqueeze(0) & (attention_mask == 1).unsqueeze(1).unsqueeze(2)
    return (1.0 - allowed.float()) * NEG


def rotary_tables(position_ids, dim, theta):
    """cos, sin [B, T, dim] for the rotate-half convention."""
    inv = 1.0 / (theta ** (torch.arange(0, dim, 2).float() / dim))
    freqs = position_ids.unsqueeze(-1).float() * inv
    emb = torch.cat([freqs, freqs], dim=-1)
    return emb.cos(), emb.sin()


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat([-x[..., half:], x[..., :half]], dim=-1)


def apply_rotary(x, cos, sin):
    """x [B, H, T, D]; cos/sin [B, T, D]."""
    cos = cos.unsqueeze(1)
    sin = sin.unsqueeze(1)
    return x * cos + rotate_half(x) * sin


def attend(q, k, v, mask, scale):
    """q [B, H, T, D]; k, v [B, KV, S, D] (grouped heads are repeated)."""
    heads, kv = q.shape[1], k.shape[1]
    if heads != kv:
        rep = heads // kv
        b, _, s, d = k.shape
        k = k.unsqueeze(2).expand(b, kv, rep, s, d).reshape(b, heads, s, d)
        v = v.unsqueeze(2).expand(b, kv, rep, s, d).reshape(b, heads, s, d)
    scores = torch.matmul(q, k.transpose(2, 3)) * scale + mask
    probs = torch.softmax(scores, dim=-1)
    out = torch.matmul(probs, v)
    b, h, t, d = out.shape
    return out.transpose(1, 2).reshape(b, t, h * d)


def split_heads(x, heads, dim):
    b, t, _ = x.shape
    return x.view(b, t, heads, dim).transpose(1, 2)


class RMSNorm(nn.Module):
    """Llama-style: weight * x / rms(x)."""

    def __init__(self, dim, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))
        self.eps = eps

    def forward(self, x):
        var = x.pow(2).mean(-1, keepdim=True)
        return self.weight * (x * torch.rsqrt(var + self.eps))


class GemmaRMSNorm(nn.Module):
    """Gemma-style: computed in float32, scaled by (1 + weight); weight starts at zero."""

    def __init__(self, dim, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(dim))
        self.eps = eps

    def forward(self, x):
        xf = x.float()
        out = xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + self.eps)
        return (out * (1.0 + self.weight.float())).type_as(x)


class Conv1D(nn.Module):
    """GPT-2's linear layer: weight stored [in, out], y = x @ W + b."""

    def __init__(self, n_in, n_out):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(n_in, n_out))
        self.bias = nn.Parameter(torch.zeros(n_out))

    def forward(self, x):
        shape = x.shape[:-1] + (self.weight.shape[1],)
        return torch.addmm(self.bias, x.reshape(-1, x.shape[-1]), self.weight).view(shape)


def gelu_tanh(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


# ---------------------------------------------------------------- attention variants


class LlamaAttention(nn.Module):
    """Separate q/k/v/o projections, optional q/k/v bias (Qwen2), optional per-head q/k norms (Qwen3, Gemma 3)."""

    def __init__(self, c, bias=False, qk_norm=None, scale=None, theta=None):
        super().__init__()
        h, kv, d = c['num_attention_heads'], c['num_key_value_heads'], c['head_dim']
        self.h, self.kv, self.d = h, kv, d
        self.q_proj = nn.Linear(c['hidden_size'], h * d, bias=bias)
        self.k_proj = nn.Linear(c['hidden_size'], kv * d, bias=bias)
        self.v_proj = nn.Linear(c['hidden_size'], kv * d, bias=bias)
        self.o_proj = nn.Linear(h * d, c['hidden_size'], bias=False)
        self.q_norm = qk_norm(d) if qk_norm else None
        self.k_norm = qk_norm(d) if qk_norm else None
        self.scale = scale if scale is not None else d ** -0.5
        self.theta = theta if theta is not None else c['rope_theta']

    def project(self, x):
        return self.q_proj(x), self.k_proj(x), self.v_proj(x)

    def forward(self, x, mask, position_ids, past_k, past_v):
        b, t, _ = x.shape
        q, k, v = self.project(x)
        q = q.view(b, t, self.h, self.d)
        k = k.view(b, t, self.kv, self.d)
        if self.q_norm is not None:
            q, k = self.q_norm(q), self.k_norm(k)
        q, k = q.transpose(1, 2), k.transpose(1, 2)
        v = split_heads(v, self.kv, self.d)
        cos, sin = rotary_tables(position_ids, self.d, self.theta)
        q, k = apply_rotary(q, cos, sin), apply_rotary(k, cos, sin)
        k = torch.cat([past_k, k], dim=2)
        v = torch.cat([past_v, v], dim=2)
        return self.o_proj(attend(q, k, v, mask, self.scale)), k, v


class Phi3Attention(LlamaAttention):
    """One fused qkv projection: rows [q | k | v]."""

    def __init__(self, c):
        super().__init__(c)
        del self.q_proj, self.k_proj, self.v_proj
        self.qkv_proj = nn.Linear(c['hidden_size'], (self.h + 2 * self.kv) * self.d, bias=False)

    def project(self, x):
        qkv = self.qkv_proj(x)
        nq, nk = self.h * self.d, self.kv * self.d
        return qkv[..., :nq], qkv[..., nq:nq + nk], qkv[..., nq + nk:]


class GPT2Attention(nn.Module):
    """Fused c_attn Conv1D, learned positions elsewhere (no rotary)."""

    def __init__(self, c):
        super().__init__()
        hidden = c['n_embd']
        self.h = c['n_head']
        self.d = hidden // self.h
        self.c_attn = Conv1D(hidden, 3 * hidden)
        self.c_proj = Conv1D(hidden, hidden)

    def forward(self, x, mask, position_ids, past_k, past_v):
        hidden = x.shape[-1]
        q, k, v = self.c_attn(x).split(hidden, dim=2)
        q, k, v = (split_heads(t, self.h, self.d) for t in (q, k, v))
        k = torch.cat([past_k, k], dim=2)
        v = torch.cat([past_v, v], dim=2)
        return self.c_proj(attend(q, k, v, mask, self.d ** -0.5)), k, v


class NeoXAttention(nn.Module):
    """Fused query_key_value laid out per head [q_h | k_h | v_h]; rotary on the first rotary_pct of each head."""

    def __init__(self, c):
        super().__init__()
        hidden = c['hidden_size']
        self.h = c['num_attention_heads']
        self.d = hidden // self.h
        self.rot = int(self.d * c['rotary_pct'])
        self.theta = c['rotary_emb_base']
        self.query_key_value = nn.Linear(hidden, 3 * hidden)
        self.dense = nn.Linear(hidden, hidden)

    def forward(self, x, mask, position_ids, past_k, past_v):
        b, t, _ = x.shape
        qkv = self.query_key_value(x).view(b, t, self.h, 3 * self.d).transpose(1, 2)
        q, k, v = qkv[..., :self.d], qkv[..., self.d:2 * self.d], qkv[..., 2 * self.d:]
        cos, sin = rotary_tables(position_ids, self.rot, self.theta)
        q = torch.cat([apply_rotary(q[..., :self.rot], cos, sin), q[..., self.rot:]], dim=-1)
        k = torch.cat([apply_rotary(k[..., :self.rot], cos, sin), k[..., self.rot:]], dim=-1)
        k = torch.cat([past_k, k], dim=2)
        v = torch.cat([past_v, v], dim=2)
        return self.dense(attend(q, k, v, mask, self.d ** -0.5)), k, v


# ---------------------------------------------------------------- blocks


class GatedMLP(nn.Module):
    def __init__(self, c, act):
        super().__init__()
        self.gate_proj = nn.Linear(c['hidden_size'], c['intermediate_size'], bias=False)
        self.up_proj = nn.Linear(c['hidden_size'], c['intermediate_size'], bias=False)
        self.down_proj = nn.Linear(c['intermediate_size'], c['hidden_size'], bias=False)
        self.act = act

    def forward(self, x):
        return self.down_proj(self.act(self.gate_proj(x)) * self.up_proj(x))


class Phi3MLP(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.gate_up_proj = nn.Linear(c['hidden_size'], 2 * c['intermediate_size'], bias=False)
        self.down_proj = nn.Linear(c['intermediate_size'], c['hidden_size'], bias=False)

    def forward(self, x):
        gate, up = self.gate_up_proj(x).chunk(2, dim=-1)
        return self.down_proj(up * F.silu(gate))


class SequentialBlock(nn.Module):
    """x + attn(norm1 x), then + mlp(norm2 x): Llama, Qwen2, Qwen3, Phi-3, GPT-2."""

    def __init__(self, norm1, attn, norm2, mlp):
        super().__init__()
        self.input_layernorm, self.self_attn, self.post_attention_layernorm, self.mlp = norm1, attn, norm2, mlp

    def forward(self, x, mask, pos, pk, pv):
        a, k, v = self.self_attn(self.input_layernorm(x), mask, pos, pk, pv)
        x = x + a
        return x + self.mlp(self.post_attention_layernorm(x)), k, v


class SandwichBlock(nn.Module):
    """Gemma 2/3: each branch is normed before and after, the residual add stays plain."""

    def __init__(self, c, attn):
        super().__init__()
        n = lambda: GemmaRMSNorm(c['hidden_size'], c['rms_norm_eps'])
        self.input_layernorm, self.post_attention_layernorm = n(), n()
        self.pre_feedforward_layernorm, self.post_feedforward_layernorm = n(), n()
        self.self_attn = attn
        self.mlp = GatedMLP(c, gelu_tanh)

    def forward(self, x, mask, pos, pk, pv):
        a, k, v = self.self_attn(self.input_layernorm(x), mask, pos, pk, pv)
        x = x + self.post_attention_layernorm(a)
        return x + self.post_feedforward_layernorm(self.mlp(self.pre_feedforward_layernorm(x))), k, v


class ParallelBlock(nn.Module):
    """GPT-NeoX / Pythia: x + attn(ln1 x) + mlp(ln2 x), one residual link."""

    def __init__(self, c):
        super().__init__()
        h = c['hidden_size']
        self.input_layernorm = nn.LayerNorm(h, eps=c['layer_norm_eps'])
        self.post_attention_layernorm = nn.LayerNorm(h, eps=c['layer_norm_eps'])
        self.attention = NeoXAttention(c)
        self.dense_h_to_4h = nn.Linear(h, c['intermediate_size'])
        self.dense_4h_to_h = nn.Linear(c['intermediate_size'], h)

    def forward(self, x, mask, pos, pk, pv):
        a, k, v = self.attention(self.input_layernorm(x), mask, pos, pk, pv)
        m = self.dense_4h_to_h(F.gelu(self.dense_h_to_4h(self.post_attention_layernorm(x))))
        return m + a + x, k, v


class GPT2MLP(nn.Module):
    def __init__(self, hidden):
        super().__init__()
        self.c_fc = Conv1D(hidden, 4 * hidden)
        self.c_proj = Conv1D(4 * hidden, hidden)

    def forward(self, x):
        return self.c_proj(gelu_tanh(self.c_fc(x)))


# ---------------------------------------------------------------- whole models


class Decoder(nn.Module):
    """Embedding (+ epilogue), blocks, final norm, head; the optimum export signature."""

    def __init__(self, c, blocks, final_norm, embed, head=None, pos_embed=None, embed_scale=None):
        super().__init__()
        self.c = c
        self.embed = embed
        self.pos_embed = pos_embed
        self.embed_scale = embed_scale
        self.layers = nn.ModuleList(blocks)
        self.norm = final_norm
        self.head = head  # None: tied to the embedding
        self.embed_override = None  # a dequantized table the lookup uses instead (q8 reference)
        self.steer = None  # (layer, vector [hidden])

    def embedding(self, input_ids, position_ids):
        table = self.embed.weight if self.embed_override is None else self.embed_override
        x = F.embedding(input_ids, table)
        if self.embed_scale is not None:
            x = x * torch.tensor(self.embed_scale, dtype=x.dtype)
        if self.pos_embed is not None:
            x = x + self.pos_embed(position_ids)
        return x

    def run(self, input_ids, attention_mask, position_ids, past):
        mask = additive_mask(attention_mask, input_ids.shape[1])
        x = self.embedding(input_ids, position_ids)
        stream = [x]
        present = []
        at = 0
        for i, block in enumerate(self.layers):
            n = len(cache_kinds(block, i))
            if getattr(block, 'kind', None) == 'conv':
                block.keep = attention_mask[:, attention_mask.shape[1] - input_ids.shape[1]:]
            x, *new = block(x, mask, position_ids, *past[at:at + n])
            at += n
            if self.steer is not None and self.steer[0] == i:
                x = x + self.steer[1]
            stream.append(x)
            present += new
        h = self.norm(x)
        logits = torch.matmul(h, self.embed.weight.t()) if self.head is None else self.head(h)
        return logits, present, stream

    def forward(self, input_ids, attention_mask, position_ids, *past):
        logits, present, _ = self.run(input_ids, attention_mask, position_ids, list(past))
        return (logits, *present)


# Sizes of every replica: hidden 32 (a multiple of the int4 block), vocabulary 128, 64 positions.
H, I, V, P = 32, 64, 128, 64


def cache_kinds(block, i):
    """(past input name, present output name) of each cache a block carries, in feed order."""
    if getattr(block, 'kind', 'attention') == 'conv':
        return [(f'past_conv.{i}', f'present_conv.{i}')]
    return [(f'past_key_values.{i}.{k}', f'present.{i}.{k}') for k in ('key', 'value')]


class ShortConv(nn.Module):
    """LFM2's gated short convolution. The cache holds the last conv_L_cache inputs of the conv
    ([batch, hidden, L_cache], zeros when empty), so prefill and one-token decode are one code path."""

    def __init__(self, c):
        super().__init__()
        h = c['hidden_size']
        self.k = c['conv_L_cache']
        self.in_proj = nn.Linear(h, 3 * h, bias=False)
        self.conv = nn.Conv1d(h, h, kernel_size=self.k, groups=h, bias=False)
        self.out_proj = nn.Linear(h, h, bias=False)

    def forward(self, x, state, keep):
        # Padding positions enter the convolution as zeros (as Hugging Face's LFM2 masks them), so a
        # left-padded row sees what the empty cache holds: zeros.
        x = x * keep.unsqueeze(-1).to(x.dtype)
        b, c, xx = self.in_proj(x).transpose(1, 2).chunk(3, dim=1)
        full = torch.cat([state, b * xx], dim=2)
        y = self.conv(full[:, :, 1:])
        return self.out_proj((c * y).transpose(1, 2)), full[:, :, -self.k:]


class HybridBlock(nn.Module):
    """LFM2: an operator (short conv or attention with q/k norms), then a SwiGLU, each on a residual link."""

    def __init__(self, c, kind):
        super().__init__()
        norm = lambda d: RMSNorm(d, c['norm_eps'])
        self.kind = kind
        self.operator_norm, self.ffn_norm = norm(c['hidden_size']), norm(c['hidden_size'])
        self.operator = ShortConv(c) if kind == 'conv' else LlamaAttention(c, qk_norm=norm)
        self.feed_forward = GatedMLP(c, F.silu)

    def forward(self, x, mask, pos, *cache):
        h = self.operator_norm(x)
        if self.kind == 'conv':
            out, state = self.operator(h, cache[0], self.keep)
            new = [state]
        else:
            out, k, v = self.operator(h, mask, pos, cache[0], cache[1])
            new = [k, v]
        x = x + out
        return (x + self.feed_forward(self.ffn_norm(x)), *new)


def lfm2():
    c = _cfg('lfm2', hidden_size=H, intermediate_size=I, num_hidden_layers=2, num_attention_heads=2,
             num_key_value_heads=1, head_dim=16, norm_eps=1e-5, rope_theta=1000000.0, conv_L_cache=3, conv_bias=False,
             layer_types=['conv', 'full_attention'], tie_word_embeddings=True)
    blocks = [HybridBlock(c, 'conv' if t == 'conv' else 'attention') for t in c['layer_types']]
    return c, Decoder(c, blocks, RMSNorm(H, c['norm_eps']), nn.Embedding(V, H))


def _cfg(model_type, **kw):
    base = dict(model_type=model_type, vocab_size=V, max_position_embeddings=P, bos_token_id=1, eos_token_id=2, tie_word_embeddings=False)
    base.update(kw)
    return base


def llama_like(model_type, bias=False, qk_norm=False):
    c = _cfg(model_type, hidden_size=H, intermediate_size=I, num_hidden_layers=2, num_attention_heads=2,
             num_key_value_heads=1, head_dim=16, rms_norm_eps=1e-6, rope_theta=10000.0)
    if model_type == 'qwen2':
        c['rope_theta'] = 1000000.0
    norm = lambda d: RMSNorm(d, c['rms_norm_eps'])
    blocks = [SequentialBlock(norm(H), LlamaAttention(c, bias=bias, qk_norm=norm if qk_norm else None), norm(H), GatedMLP(c, F.silu))
              for _ in range(c['num_hidden_layers'])]
    return c, Decoder(c, blocks, norm(H), nn.Embedding(V, H), head=nn.Linear(H, V, bias=False))


def phi3():
    c = _cfg('phi3', hidden_size=H, intermediate_size=I, num_hidden_layers=2, num_attention_heads=2,
             num_key_value_heads=2, head_dim=16, rms_norm_eps=1e-5, rope_theta=10000.0)
    norm = lambda: RMSNorm(H, c['rms_norm_eps'])
    blocks = [SequentialBlock(norm(), Phi3Attention(c), norm(), Phi3MLP(c)) for _ in range(c['num_hidden_layers'])]
    return c, Decoder(c, blocks, norm(), nn.Embedding(V, H), head=nn.Linear(H, V, bias=False))


def gemma3():
    c = _cfg('gemma3_text', hidden_size=H, intermediate_size=I, num_hidden_layers=2, num_attention_heads=2,
             num_key_value_heads=1, head_dim=16, rms_norm_eps=1e-6, rope_theta=1000000.0, rope_local_base_freq=10000.0,
             query_pre_attn_scalar=16, sliding_window=512, sliding_window_pattern=6, tie_word_embeddings=True)
    blocks = []
    for i in range(c['num_hidden_layers']):
        sliding = (i + 1) % c['sliding_window_pattern'] != 0
        theta = c['rope_local_base_freq'] if sliding else c['rope_theta']
        attn = LlamaAttention(c, qk_norm=lambda d: GemmaRMSNorm(d, c['rms_norm_eps']), scale=c['query_pre_attn_scalar'] ** -0.5, theta=theta)
        blocks.append(SandwichBlock(c, attn))
    return c, Decoder(c, blocks, GemmaRMSNorm(H, c['rms_norm_eps']), nn.Embedding(V, H), embed_scale=H ** 0.5)


def gpt2():
    c = _cfg('gpt2', n_embd=H, n_layer=2, n_head=2, n_positions=P, layer_norm_epsilon=1e-5, tie_word_embeddings=True)
    ln = lambda: nn.LayerNorm(H, eps=c['layer_norm_epsilon'])
    blocks = [SequentialBlock(ln(), GPT2Attention(c), ln(), GPT2MLP(H)) for _ in range(c['n_layer'])]
    return c, Decoder(c, blocks, ln(), nn.Embedding(V, H), pos_embed=nn.Embedding(P, H))


def gpt_neox():
    c = _cfg('gpt_neox', hidden_size=H, intermediate_size=4 * H, num_hidden_layers=2, num_attention_heads=2,
             rotary_pct=0.25, rotary_emb_base=10000, layer_norm_eps=1e-5, use_parallel_residual=True)
    blocks = [ParallelBlock(c) for _ in range(c['num_hidden_layers'])]
    return c, Decoder(c, blocks, nn.LayerNorm(H, eps=c['layer_norm_eps']), nn.Embedding(V, H), head=nn.Linear(H, V, bias=False))


FAMILIES = {
    'llama': lambda: llama_like('llama'),
    'llama_fused': lambda: llama_like('llama'),  # post-processed into the builder's fused norms
    'qwen2': lambda: llama_like('qwen2', bias=True),
    'qwen3': lambda: llama_like('qwen3', qk_norm=True),
    'gemma3': gemma3,
    'gemma3_shared': gemma3,  # post-processed: the lookup reads Transpose(head weight)
    'gpt2': gpt2,
    'gpt_neox': gpt_neox,
    'phi3': phi3,
    'lfm2': lfm2,
}


def kv_shape(c):
    """(kv_heads, head_dim) of the cache."""
    heads = c.get('num_key_value_heads', c.get('num_attention_heads', c.get('n_head')))
    hidden = c.get('hidden_size', c.get('n_embd'))
    dim = c.get('head_dim', hidden // c.get('num_attention_heads', c.get('n_head', 1)))
    return heads, dim


def randomize(model, seed):
    """Weights of a size that keeps activations O(1) through two blocks; norm weights near their identity."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.dim() == 1:
                base = 0.0 if isinstance(_owner(model, name), GemmaRMSNorm) or name.endswith('bias') else 1.0
                p.copy_(base + 0.1 * torch.randn(p.shape, generator=g))
            elif 'embed' in name or name.startswith('pos_embed'):
                p.copy_(torch.randn(p.shape, generator=g))
            else:
                fan_in = p.shape[0] if isinstance(_owner(model, name), Conv1D) else p.shape[1]
                p.copy_(torch.randn(p.shape, generator=g) * (1.5 / math.sqrt(fan_in)))


def _owner(model, param_name):
    mod = model
    for part in param_name.split('.')[:-1]:
        mod = getattr(mod, part)
    return mod
