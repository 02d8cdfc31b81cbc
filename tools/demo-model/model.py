"""A tiny Llama (HF LlamaForCausalLM parameter names) with the Hub KV-cache interface.

Module tree mirrors transformers' LlamaForCausalLM so that state_dict / ONNX initializer
names are model.embed_tokens.weight, model.layers.{i}.self_attn.q_proj.weight, ...
The residual stream is a plain chain of adds: x = x + attn(norm(x)); x = x + mlp(norm(x)).
"""
import torch
import torch.nn as nn
import torch.nn.functional as F


class _MkldnnLinear(torch.autograd.Function):
    """x @ w.T through oneDNN. Debian's torch links the reference BLAS (about 3 GFLOP/s here);
    oneDNN's inner product is >10x faster, which makes CPU training fit the time budget."""

    @staticmethod
    def forward(ctx, x, w):
        ctx.save_for_backward(x, w)
        return torch._C._nn.mkldnn_linear(x.contiguous().to_mkldnn(), w.contiguous().to_mkldnn(), None).to_dense()

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        g = g.contiguous()
        gx = torch._C._nn.mkldnn_linear(g.to_mkldnn(), w.t().contiguous().to_mkldnn(), None).to_dense()
        gw = torch._C._nn.mkldnn_linear(g.t().contiguous().to_mkldnn(), x.t().contiguous().to_mkldnn(), None).to_dense()
        return gx, gw


FAST = {"on": False}  # training only; export and reference checks use plain nn.Linear


def lin(mod, x):
    if FAST["on"]:
        shp = x.shape
        y = _MkldnnLinear.apply(x.reshape(-1, shp[-1]), mod.weight)
        return y.reshape(*shp[:-1], y.shape[-1])
    return mod(x)


class RMSNorm(nn.Module):
    def __init__(self, dim, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))
        self.eps = eps

    def forward(self, x):
        var = x.pow(2).mean(-1, keepdim=True)
        return self.weight * (x * torch.rsqrt(var + self.eps))


def rotate_half(x):
    h = x.shape[-1] // 2
    x1 = x[..., :h]
    x2 = x[..., h:]
    return torch.cat((-x2, x1), dim=-1)


class Attention(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        H, nh, nkv, hd = cfg["hidden_size"], cfg["num_attention_heads"], cfg["num_key_value_heads"], cfg["head_dim"]
        self.nh, self.nkv, self.hd = nh, nkv, hd
        self.q_proj = nn.Linear(H, nh * hd, bias=False)
        self.k_proj = nn.Linear(H, nkv * hd, bias=False)
        self.v_proj = nn.Linear(H, nkv * hd, bias=False)
        self.o_proj = nn.Linear(nh * hd, H, bias=False)

    def forward(self, x, cos, sin, bias, past_k, past_v):
        b, s, _ = x.shape
        q = lin(self.q_proj, x).view(b, s, self.nh, self.hd).transpose(1, 2)
        k = lin(self.k_proj, x).view(b, s, self.nkv, self.hd).transpose(1, 2)
        v = lin(self.v_proj, x).view(b, s, self.nkv, self.hd).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        if past_k is not None:
            k = torch.cat([past_k, k], dim=2)
            v = torch.cat([past_v, v], dim=2)
        present = (k, v)
        rep = self.nh // self.nkv
        t = k.shape[2]
        kk = k[:, :, None, :, :].expand(b, self.nkv, rep, t, self.hd).reshape(b, self.nh, t, self.hd)
        vv = v[:, :, None, :, :].expand(b, self.nkv, rep, t, self.hd).reshape(b, self.nh, t, self.hd)
        att = torch.matmul(q, kk.transpose(2, 3)) * (self.hd ** -0.5) + bias
        att = torch.softmax(att, dim=-1)
        out = torch.matmul(att, vv).transpose(1, 2).reshape(b, s, self.nh * self.hd)
        return lin(self.o_proj, out), present


class MLP(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        H, I = cfg["hidden_size"], cfg["intermediate_size"]
        self.gate_proj = nn.Linear(H, I, bias=False)
        self.up_proj = nn.Linear(H, I, bias=False)
        self.down_proj = nn.Linear(I, H, bias=False)

    def forward(self, x):
        return lin(self.down_proj, F.silu(lin(self.gate_proj, x)) * lin(self.up_proj, x))


class DecoderLayer(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.input_layernorm = RMSNorm(cfg["hidden_size"], cfg["rms_norm_eps"])
        self.self_attn = Attention(cfg)
        self.post_attention_layernorm = RMSNorm(cfg["hidden_size"], cfg["rms_norm_eps"])
        self.mlp = MLP(cfg)

    def forward(self, x, cos, sin, bias, past_k, past_v):
        a, present = self.self_attn(self.input_layernorm(x), cos, sin, bias, past_k, past_v)
        x = x + a
        x = x + self.mlp(self.post_attention_layernorm(x))
        return x, present


class LlamaModel(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.embed_tokens = nn.Embedding(cfg["vocab_size"], cfg["hidden_size"])
        self.layers = nn.ModuleList([DecoderLayer(cfg) for _ in range(cfg["num_hidden_layers"])])
        self.norm = RMSNorm(cfg["hidden_size"], cfg["rms_norm_eps"])


class LlamaForCausalLM(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.model = LlamaModel(cfg)
        self.lm_head = nn.Linear(cfg["hidden_size"], cfg["vocab_size"], bias=False)
        # training only: push(block index, hidden) -> hidden, applied to each block's output (build.py --steer-noise)
        self.push = None

    def rope(self, position_ids):
        hd = self.cfg["head_dim"]
        # computed in-graph (no buffer) so the ONNX initializers are exactly the parameters
        inv_freq = 1.0 / (self.cfg["rope_theta"] ** (torch.arange(0, hd, 2, dtype=torch.int64).float() / hd))
        freqs = position_ids[:, :, None].float() * inv_freq[None, None, :]
        emb = torch.cat((freqs, freqs), dim=-1)
        return emb.cos()[:, None, :, :], emb.sin()[:, None, :, :]

    def forward(self, input_ids, attention_mask, position_ids, past=None):
        """past: list of (k, v) per layer or None. Returns logits, presents."""
        x = self.model.embed_tokens(input_ids)
        s = input_ids.shape[1]
        total = attention_mask.shape[1]
        past_len = total - s
        cos, sin = self.rope(position_ids)
        q_pos = torch.arange(s, dtype=torch.int64)[:, None] + past_len
        k_pos = torch.arange(total, dtype=torch.int64)[None, :]
        allowed = (k_pos <= q_pos)[None, None, :, :] & (attention_mask[:, None, None, :] > 0)
        bias = (1.0 - allowed.float()) * -1e9
        presents = []
        for i, layer in enumerate(self.model.layers):
            pk, pv = (past[i] if past is not None else (None, None))
            x, pr = layer(x, cos, sin, bias, pk, pv)
            if self.push is not None:
                x = self.push(i, x)
            presents.append(pr)
        x = self.model.norm(x)
        return lin(self.lm_head, x), presents


class LlamaForCausalLMOnnx(LlamaForCausalLM):
    """Same parameters; flat signature for torch.onnx.export:
    input_ids, attention_mask, position_ids, then k0, v0, k1, v1, ..."""

    def forward(self, input_ids, attention_mask, position_ids, *kv):
        past = [(kv[2 * i], kv[2 * i + 1]) for i in range(len(kv) // 2)]
        logits, presents = LlamaForCausalLM.forward(self, input_ids, attention_mask, position_ids, past)
        out = [logits]
        for k, v in presents:
            out += [k, v]
        return tuple(out)
