"""Post-processing that turns an fp32 export into the quantized layouts found on the Hub.

- q8 (`model_quantized.onnx`): the embedding table becomes uint8, the lookup gathers 8-bit rows and a
  `DequantizeLinear` follows, as onnxruntime's dynamic quantization writes it (per-tensor scale and
  zero point).
- q4 (`model_q4.onnx`): every `MatMul` by a weight initializer whose inner size is a multiple of 32
  becomes com.microsoft `MatMulNBits` (bits 4, block 32, symmetric: no zero-point input, so the
  kernel's default zero point 8 applies). Packing: [N, K/32, 16] bytes, element 2j of a block in the
  low nibble of byte j.

The torch reference of each variant is the fp32 model with the same dequantized weights
(`fake_quant_*` below), so the comparison checks the graph, not the rounding.
"""
import numpy as np
import onnx
import torch
from onnx import helper, numpy_helper

BLOCK = 4 * 8  # 32


def embed_q8(table):
    """(q uint8, scale, zero_point) of a per-tensor asymmetric uint8 quantization."""
    lo, hi = min(float(table.min()), 0.0), max(float(table.max()), 0.0)
    scale = np.float32((hi - lo) / 255.0)
    zp = np.uint8(np.clip(np.round(-lo / scale), 0, 255))
    q = np.clip(np.round(table / scale) + zp, 0, 255).astype(np.uint8)
    return q, scale, zp


def dequant_q8(q, scale, zp):
    return ((q.astype(np.int32) - int(zp)).astype(np.float32) * scale).astype(np.float32)


def quantize_embedding_q8(model_proto, table_name):
    """Gather(table) -> Gather(table_q8) + DequantizeLinear; returns the dequantized table."""
    g = model_proto.graph
    init = next(i for i in g.initializer if i.name == table_name)
    table = numpy_helper.to_array(init)
    q, scale, zp = embed_q8(table)
    g.initializer.extend([
        numpy_helper.from_array(q, table_name + '_quantized'),
        numpy_helper.from_array(np.array(scale, dtype=np.float32), table_name + '_scale'),
        numpy_helper.from_array(np.array(zp, dtype=np.uint8), table_name + '_zero_point'),
    ])
    nodes = list(g.node)
    out = []
    for n in nodes:
        if n.op_type == 'Gather' and n.input[0] == table_name:
            gathered = n.output[0]
            n.input[0] = table_name + '_quantized'
            n.output[0] = gathered + '_quantized'
            out.append(n)
            out.append(helper.make_node('DequantizeLinear', [gathered + '_quantized', table_name + '_scale', table_name + '_zero_point'],
                                        [gathered], name=n.name + '_DequantizeLinear'))
        else:
            out.append(n)
    del g.node[:]
    g.node.extend(out)
    if not any(table_name in n.input for n in g.node):
        g.initializer.remove(init)
    return dequant_q8(q, scale, zp)


def int4_blocks(w_nk):
    """Symmetric 4-bit per block of 32 along K: (q in [0, 15] as [N, K/32, 32], scales [N, K/32])."""
    n, k = w_nk.shape
    blocks = w_nk.reshape(n, k // BLOCK, BLOCK)
    scale = np.abs(blocks).max(axis=2) / np.float32(7.0)
    scale = np.where(scale == 0, np.float32(1.0), scale).astype(np.float32)
    q = np.clip(np.round(blocks / scale[:, :, None]), -8, 7).astype(np.int32) + 8
    return q, scale


def fake_quant_int4_(model):
    """Rounds every Linear weight whose input size is a multiple of 32 onto the int4 grid (in place),
    and a tied embedding table too (it is the head's weight)."""
    weights = [m.weight for m in model.modules() if isinstance(m, torch.nn.Linear) and m.in_features % BLOCK == 0]
    if getattr(model, 'head', 0) is None:
        weights.append(model.embed.weight)
    with torch.no_grad():
        for weight in weights:
            q, scale = int4_blocks(weight.numpy().astype(np.float32))
            w = ((q - 8).astype(np.float32) * scale[:, :, None]).reshape(weight.shape)
            weight.copy_(torch.from_numpy(w))


def _head_node(g):
    """The node that writes `logits`."""
    return next(n for n in g.node if 'logits' in n.output)


def share_embedding_transposed(model_proto, table_name):
    """Tied fp32 model: the lookup reads Transpose(head weight [H, V]) instead of its own table
    (the onnxruntime-genai builder's shared_embeddings layout)."""
    g = model_proto.graph
    head = _head_node(g)
    assert head.op_type == 'MatMul', head.op_type
    shared = table_name + '_shared'
    g.node.insert(0, helper.make_node('Transpose', [head.input[1]], [shared], name='/shared_embeddings/Transpose', perm=[1, 0]))
    for n in g.node:
        if n.op_type == 'Gather' and n.input[0] == table_name:
            n.input[0] = shared
    g.initializer.remove(next(i for i in g.initializer if i.name == table_name))


def share_embedding_int4(model_proto, table_name, vocab, hidden):
    """After quantize_matmuls_int4 on a tied model: the lookup becomes com.microsoft
    GatherBlockQuantized of the head's own 4-bit weights (reshaped [V, H/2]) and scales ([V, H/32])."""
    g = model_proto.graph
    head = _head_node(g)
    assert head.op_type == 'MatMulNBits', head.op_type
    packed, scales = head.input[1], head.input[2]
    g.initializer.extend([
        numpy_helper.from_array(np.array([vocab, hidden // 2], dtype=np.int64), '/shared_embeddings/data_shape'),
        numpy_helper.from_array(np.array([vocab, hidden // BLOCK], dtype=np.int64), '/shared_embeddings/scales_shape'),
    ])
    prologue = [
        helper.make_node('Reshape', [packed, '/shared_embeddings/data_shape'], ['/shared_embeddings/data'], name='/shared_embeddings/Reshape'),
        helper.make_node('Reshape', [scales, '/shared_embeddings/scales_shape'], ['/shared_embeddings/scales'], name='/shared_embeddings/Reshape_1'),
    ]
    out = []
    for n in g.node:
        if n.op_type == 'Gather' and n.input[0] == table_name:
            out.append(helper.make_node('GatherBlockQuantized', ['/shared_embeddings/data', n.input[1], '/shared_embeddings/scales'], list(n.output),
                                        name='/shared_embeddings/GatherBlockQuantized', domain='com.microsoft',
                                        bits=4, block_size=BLOCK, gather_axis=0, quantize_axis=1))
        else:
            out.append(n)
    del g.node[:]
    g.node.extend(prologue + out)
    g.initializer.remove(next(i for i in g.initializer if i.name == table_name))


def quantize_matmuls_int4(model_proto):
    g = model_proto.graph
    inits = {i.name: i for i in g.initializer}
    out, replaced = [], 0
    for n in g.node:
        b = inits.get(n.input[1]) if n.op_type == 'MatMul' else None
        if b is None or len(b.dims) != 2 or b.dims[0] % BLOCK != 0:
            out.append(n)
            continue
        w_kn = numpy_helper.to_array(b).astype(np.float32)
        k, nn_ = w_kn.shape
        q, scale = int4_blocks(np.ascontiguousarray(w_kn.T))
        packed = (q[:, :, 0::2] | (q[:, :, 1::2] << 4)).astype(np.uint8)  # [N, K/32, 16]
        base = n.input[1]
        g.initializer.extend([
            numpy_helper.from_array(packed, base + '_Q4'),
            numpy_helper.from_array(scale.reshape(-1).astype(np.float32), base + '_scales'),
        ])
        out.append(helper.make_node('MatMulNBits', [n.input[0], base + '_Q4', base + '_scales'], list(n.output),
                                    name=n.name + '_Q4', domain='com.microsoft', K=k, N=nn_, bits=4, block_size=BLOCK))
        replaced += 1
    del g.node[:]
    g.node.extend(out)
    used = {i for n in g.node for i in n.input}
    for name in list(inits):
        if name not in used:
            g.initializer.remove(inits[name])
    if not any(o.domain == 'com.microsoft' for o in model_proto.opset_import):
        model_proto.opset_import.append(helper.make_opsetid('com.microsoft', 1))
    return replaced


def weight_q8(w):
    """Per-tensor symmetric int8: (q int8, scale float32)."""
    scale = np.float32(np.abs(w).max() / 127.0)
    return np.clip(np.round(w / scale), -127, 127).astype(np.int8), scale


class DynamicQ8Linear(torch.nn.Module):
    """What onnxruntime's dynamic q8 computes for a Linear: the input tensor quantized to uint8 as a
    whole (DynamicQuantizeLinear), an integer product with int8 weights (MatMulInteger), then the two
    scales. Used for the torch reference of `model_int8`."""

    def __init__(self, linear):
        super().__init__()
        q, scale = weight_q8(linear.weight.detach().numpy().astype(np.float32))
        self.wq = torch.from_numpy(q.astype(np.float64))
        self.wscale = torch.tensor(scale, dtype=torch.float32)
        self.bias = linear.bias

    def forward(self, x):
        lo = torch.clamp(x.min(), max=0.0)
        hi = torch.clamp(x.max(), min=0.0)
        scale = (hi - lo) / 255.0
        zp = torch.clamp(torch.round(-lo / scale), 0, 255)
        xq = torch.clamp(torch.round(x / scale) + zp, 0, 255)
        acc = torch.matmul((xq - zp).double(), self.wq.t()).float()
        y = acc * (scale * self.wscale)
        return y if self.bias is None else y + self.bias


def emulate_q8_(model):
    """Replaces every Linear of the torch model by its dynamic-q8 emulation (in place)."""
    for name, child in list(model.named_children()):
        if isinstance(child, torch.nn.Linear):
            setattr(model, name, DynamicQ8Linear(child))
        else:
            emulate_q8_(child)


def quantize_matmuls_q8(model_proto):
    """MatMul(x, W) -> DynamicQuantizeLinear(x) + MatMulInteger(xq, Wq int8, xz, 0) + Cast + Mul(xs · ws),
    the node pattern onnxruntime's dynamic quantization writes."""
    g = model_proto.graph
    inits = {i.name: i for i in g.initializer}
    out, replaced = [], 0
    for n in g.node:
        b = inits.get(n.input[1]) if n.op_type == 'MatMul' else None
        if b is None or len(b.dims) != 2:
            out.append(n)
            continue
        q, scale = weight_q8(numpy_helper.to_array(b).astype(np.float32))
        base, x, p = n.input[1], n.input[0], n.name
        g.initializer.extend([
            numpy_helper.from_array(q, base + '_quantized'),
            numpy_helper.from_array(np.array(scale, dtype=np.float32), base + '_scale'),
            numpy_helper.from_array(np.array(0, dtype=np.int8), base + '_zero_point'),
        ])
        out += [
            helper.make_node('DynamicQuantizeLinear', [x], [p + '_xq', p + '_xs', p + '_xz'], name=p + '_DynamicQuantizeLinear'),
            helper.make_node('MatMulInteger', [p + '_xq', base + '_quantized', p + '_xz', base + '_zero_point'], [p + '_acc'], name=p + '_MatMulInteger'),
            helper.make_node('Cast', [p + '_acc'], [p + '_accf'], name=p + '_Cast', to=onnx.TensorProto.FLOAT),
            helper.make_node('Mul', [p + '_xs', base + '_scale'], [p + '_scale'], name=p + '_Mul_scales'),
            helper.make_node('Mul', [p + '_accf', p + '_scale'], list(n.output), name=p + '_Mul'),
        ]
        replaced += 1
    del g.node[:]
    g.node.extend(out)
    used = {i for n in g.node for i in n.input}
    for name in list(inits):
        if name not in used:
            g.initializer.remove(inits[name])
    return replaced


FP16_MAX = 65504.0


def _fp16_tensor(t):
    arr = numpy_helper.to_array(t).astype(np.float32)
    return numpy_helper.from_array(np.clip(arr, -FP16_MAX, FP16_MAX).astype(np.float16), t.name)


def convert_fp16(model_proto):
    """fp32 → fp16 the way transformers.js's fp16 files are made: weights, constants and every
    internal float tensor in float16 (values clipped to ±65504), graph inputs and outputs kept
    float32 behind Casts."""
    g = model_proto.graph
    F, H = onnx.TensorProto.FLOAT, onnx.TensorProto.FLOAT16
    for i, init in enumerate(g.initializer):
        if init.data_type == F:
            g.initializer[i].CopyFrom(_fp16_tensor(init))
    for n in g.node:
        for a in n.attribute:
            if a.type == onnx.AttributeProto.TENSOR and a.t.data_type == F:
                a.t.CopyFrom(_fp16_tensor(a.t))
            if n.op_type == 'Cast' and a.name == 'to' and a.i == F:
                a.i = H
    for vi in g.value_info:
        if vi.type.tensor_type.elem_type == F:
            vi.type.tensor_type.elem_type = H
    head, tail = [], []
    for inp in g.input:
        if inp.type.tensor_type.elem_type != F:
            continue
        inner = inp.name + '_fp16'
        for n in g.node:
            for k, name in enumerate(n.input):
                if name == inp.name:
                    n.input[k] = inner
        head.append(helper.make_node('Cast', [inp.name], [inner], name=inner + '_Cast', to=H))
    for out in g.output:
        if out.type.tensor_type.elem_type != F:
            continue
        inner = out.name + '_fp16'
        for n in g.node:
            for k, name in enumerate(n.output):
                if name == out.name:
                    n.output[k] = inner
            for k, name in enumerate(n.input):
                if name == out.name:
                    n.input[k] = inner
        tail.append(helper.make_node('Cast', [inner], [out.name], name=inner + '_Cast', to=F))
    nodes = head + list(g.node) + tail
    del g.node[:]
    g.node.extend(nodes)


def fuse_norms_builder_style(model_proto, num_layers):
    """Rewrites a Llama-style export's RMSNorms and residual Adds the way the onnxruntime-genai builder
    lays them out: SimplifiedLayerNormalization on the embedding, then one com.microsoft
    SkipSimplifiedLayerNormalization(residual, branch, weight) per residual Add, whose output 3 carries
    the sum forward; the final norm has output 0 only. Relies on this tool's own node names."""
    g = model_proto.graph
    by_name = {n.name: n for n in g.node}
    producer = {o: n for n in g.node for o in n.output}
    prefixes = [f'/layers.{i}/{k}' for i in range(num_layers) for k in ('input_layernorm', 'post_attention_layernorm')] + ['/norm']
    inits = {i.name for i in g.initializer}
    replace, drop = {}, set()
    for k, p in enumerate(prefixes):
        pow_node, scale_node = by_name[p + '/Pow'], by_name[p + '/Mul_1']
        eps_node = producer[by_name[p + '/Add'].input[1]]
        eps = float(numpy_helper.to_array(eps_node.attribute[0].t))
        weight = next(i for i in scale_node.input if i in inits)
        out = scale_node.output[0]
        x = pow_node.input[0]
        drop |= {n.name for n in g.node if n.name.startswith(p + '/')}
        if k == 0:
            replace[scale_node.name] = helper.make_node('SimplifiedLayerNormalization', [x, weight], [out], name=p + '/SimplifiedLayerNorm',
                                                        epsilon=eps, axis=-1, stash_type=1)
            continue
        add = producer[x]
        assert add.op_type == 'Add', (p, add.op_type)
        residual, branch = add.input[0], add.input[1]
        outputs = [out] if p == '/norm' else [out, '', '', x]
        drop.add(add.name)
        replace[add.name] = helper.make_node('SkipSimplifiedLayerNormalization', [residual, branch, weight], outputs,
                                             name=p + '/SkipLayerNorm', domain='com.microsoft', epsilon=eps)
    nodes = [replace[n.name] if n.name in replace else n for n in g.node if n.name in replace or n.name not in drop]
    del g.node[:]
    g.node.extend(nodes)
    if not any(o.domain == 'com.microsoft' for o in model_proto.opset_import):
        model_proto.opset_import.append(helper.make_opsetid('com.microsoft', 1))
