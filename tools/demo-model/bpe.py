"""A small byte-level BPE trainer/encoder that writes a Hugging Face tokenizer.json.

Pre-tokenization follows the GPT-2 ByteLevel regex (use_regex=true). The corpus is ASCII,
for which the ASCII classes below are equivalent to the \\p{L} / \\p{N} classes HF uses.
"""
import collections
import json
import re

SPECIAL_TOKENS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
PAT = re.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?[A-Za-z]+| ?[0-9]+| ?[^\sA-Za-z0-9]+|\s+(?!\S)|\s+""")
SPECIAL_RE = re.compile("(" + "|".join(re.escape(s) for s in SPECIAL_TOKENS) + ")")


def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("\xa1"), ord("\xac") + 1)) + list(range(ord("\xae"), ord("\xff") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


B2U = bytes_to_unicode()
U2B = {v: k for k, v in B2U.items()}


def pretokenize(text):
    return ["".join(B2U[b] for b in w.encode("utf-8")) for w in PAT.findall(text)]


class BPE:
    def __init__(self, vocab, merges):
        self.vocab = vocab  # str -> id
        self.inv = {i: s for s, i in vocab.items()}
        self.merges = merges  # list of (a, b)
        self.ranks = {m: i for i, m in enumerate(merges)}
        self.cache = {}

    @staticmethod
    def train(texts, vocab_size):
        counts = collections.Counter()
        for t in texts:
            for part in SPECIAL_RE.split(t):
                if part in SPECIAL_TOKENS or not part:
                    continue
                counts.update(pretokenize(part))
        alphabet = [B2U[b] for b in range(256)]
        alphabet.sort(key=lambda c: ord(c))
        vocab = {s: i for i, s in enumerate(SPECIAL_TOKENS)}
        for c in alphabet:
            vocab[c] = len(vocab)
        words = [(list(w), c) for w, c in counts.items()]
        merges = []
        while len(vocab) < vocab_size:
            pairs = collections.Counter()
            for syms, c in words:
                for i in range(len(syms) - 1):
                    pairs[(syms[i], syms[i + 1])] += c
            if not pairs:
                break
            # deterministic tie-break: highest count, then lexicographic
            best = max(pairs.items(), key=lambda kv: (kv[1], [-ord(ch) for ch in kv[0][0] + "\0" + kv[0][1]]))[0]
            if pairs[best] < 2:
                break
            merges.append(best)
            new = best[0] + best[1]
            vocab[new] = len(vocab)
            for syms, c in words:
                i = 0
                while i < len(syms) - 1:
                    if syms[i] == best[0] and syms[i + 1] == best[1]:
                        syms[i:i + 2] = [new]
                    i += 1
        return BPE(vocab, merges)

    def _bpe(self, word):
        if word in self.cache:
            return self.cache[word]
        syms = list(word)
        while len(syms) > 1:
            best, bi = None, -1
            for i in range(len(syms) - 1):
                r = self.ranks.get((syms[i], syms[i + 1]))
                if r is not None and (best is None or r < best):
                    best, bi = r, i
            if best is None:
                break
            a, b = syms[bi], syms[bi + 1]
            # merge all occurrences of this pair left to right (as HF does)
            out, i = [], 0
            while i < len(syms):
                if i < len(syms) - 1 and syms[i] == a and syms[i + 1] == b:
                    out.append(a + b)
                    i += 2
                else:
                    out.append(syms[i])
                    i += 1
            syms = out
        ids = [self.vocab[s] for s in syms]
        self.cache[word] = ids
        return ids

    def encode(self, text):
        ids = []
        for part in SPECIAL_RE.split(text):
            if not part:
                continue
            if part in SPECIAL_TOKENS:
                ids.append(self.vocab[part])
                continue
            for w in pretokenize(part):
                ids.extend(self._bpe(w))
        return ids

    def decode(self, ids, skip_special=True):
        out, buf = [], []
        for i in ids:
            s = self.inv[int(i)]
            if s in SPECIAL_TOKENS:
                if buf:
                    out.append(bytes(buf).decode("utf-8", errors="replace"))
                    buf = []
                if not skip_special:
                    out.append(s)
                continue
            buf.extend(U2B[c] for c in s)
        if buf:
            out.append(bytes(buf).decode("utf-8", errors="replace"))
        return "".join(out)

    def to_hf_json(self):
        added = [{"id": self.vocab[s], "content": s, "single_word": False, "lstrip": False, "rstrip": False,
                  "normalized": False, "special": True} for s in SPECIAL_TOKENS]
        return {
            "version": "1.0",
            "truncation": None,
            "padding": None,
            "added_tokens": added,
            "normalizer": None,
            "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True},
            "post_processor": None,
            "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
            "model": {
                "type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
                "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
                "vocab": self.vocab,
                "merges": [f"{a} {b}" for a, b in self.merges],
            },
        }

    def save(self, path):
        with open(path, "w") as f:
            json.dump(self.to_hf_json(), f, ensure_ascii=False, indent=None)
