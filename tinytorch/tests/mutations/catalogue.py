"""Realistic learner bugs, each a text patch on the reference, that the module tests must catch.

Each `Mutant` replaces `old` (which must occur exactly once in `file`) by `new` in a temporary
copy of the reference package. `runner.py` then runs the tests of the module owning `file` (or
`tested_by`, for a bug only a later module can observe) exactly as `tito module test` does.
The bugs are ones learners make: the wrong axis, a missing factor, an off-by-one, a forgotten
step, a numerically naive formula. Keep this file out of anything a learner installs: it quotes
reference lines (MANIFEST.in prunes tests/ from the sdist; the wheel holds src/ only).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Mutant:
    name: str
    file: str  # relative to the reference package
    old: str
    new: str
    bug: str  # what the learner got wrong, in their terms
    tested_by: str | None = None  # a later module whose tests observe the bug


MUTANTS: tuple[Mutant, ...] = (
    # ---------------------------------------------------------------- 01 tensor
    Mutant("sigmoid-naive-overflows", "tensor.py",
           "out = np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(x.dtype, copy=False)",
           "out = (1.0 / (1.0 + np.exp(-x))).astype(x.dtype, copy=False)",
           "the textbook formula overflows exp(-x) for very negative x"),
    Mutant("matmul-checks-the-wrong-dimension", "tensor.py",
           "k_b = b.shape[0] if b.ndim == 1 else b.shape[-2]",
           "k_b = b.shape[0] if b.ndim == 1 else b.shape[-1]",
           "compares the inner size with the second operand's last axis"),
    # ---------------------------------------------------------------- 02 autograd
    Mutant("unbroadcast-skips-size-1-axes", "autograd.py",
           "axes = tuple(i for i, s in enumerate(shape) if s == 1 and grad.shape[i] != 1)",
           "axes = ()", "sums away only the extra leading axes, not stretched size-1 axes"),
    Mutant("unbroadcast-drops-kept-axes", "autograd.py",
           "grad = grad.sum(axis=axes, keepdims=True)", "grad = grad.sum(axis=axes)",
           "sums the size-1 axes without keepdims, so the axis disappears"),
    Mutant("sum-backward-wrong-shape", "autograd.py",
           'g = _expand_reduced(grad, self.saved["axis"], self.saved["keepdims"], x.ndim)\n'
           "        return (np.broadcast_to(g, x.shape),)",
           "return (np.broadcast_to(grad, x.shape),)",
           "broadcasts the reduced gradient without re-inserting the summed axis (a sum over "
           "the last axis of a square input comes back transposed)"),
    Mutant("batched-matmul-transpose-wrong-axes", "autograd.py",
           "ga = np.matmul(grad, np.swapaxes(B, -1, -2))", "ga = np.matmul(grad, B.T)",
           "B.T reverses every axis of a batched operand, not just the last two"),
    Mutant("mul-backward-own-input", "autograd.py",
           "ga = grad * b.data if self.needs[0] else None\n        gb",
           "ga = grad * a.data if self.needs[0] else None\n        gb",
           "d(a*b)/da taken as a instead of b"),
    Mutant("div-backward-sign", "autograd.py", "gb = -grad * self.out / b.data",
           "gb = grad * self.out / b.data", "forgets the minus sign of d(a/b)/db"),
    Mutant("pow-backward-exponent", "autograd.py", "np.power(a.data, p - 1)",
           "np.power(a.data, p)", "power rule without lowering the exponent"),
    Mutant("tanh-backward-not-squared", "autograd.py", "(1.0 - self.out * self.out)",
           "(1.0 - self.out)", "tanh' = 1 - tanh, not 1 - tanh^2"),
    Mutant("exp-backward-uses-input", "autograd.py", "return (grad * self.out,)",
           "return (grad * self.inputs[0].data,)", "exp' taken as x instead of exp(x)"),
    Mutant("log-backward-multiplies", "autograd.py", "return (grad / self.inputs[0].data,)",
           "return (grad * self.inputs[0].data,)", "log' = x instead of 1/x"),
    Mutant("permute-backward-same-order", "autograd.py",
           'np.transpose(grad, np.argsort(self.saved["axes"]))',
           'np.transpose(grad, self.saved["axes"])',
           "undoes a permutation by applying it again instead of its inverse"),
    Mutant("getitem-backward-overwrites-repeats", "autograd.py", "np.add.at(full, index, grad)",
           "full[index] = grad", "a repeated index keeps one contribution instead of the sum"),
    Mutant("engine-overwrites-instead-of-accumulating", "autograd.py",
           "grads[key] = ig if prev is None else prev + ig", "grads[key] = ig",
           "a tensor used twice keeps only its last gradient"),
    # ---------------------------------------------------------------- 03 activations
    Mutant("softmax-without-max-subtraction", "activations.py",
           "e = np.exp(x - x.max(axis=axis, keepdims=True))", "e = np.exp(x)",
           "exp of raw logits overflows for large inputs"),
    Mutant("softmax-backward-elementwise", "activations.py",
           "return (y * (grad - (grad * y).sum(axis=axis, keepdims=True)),)",
           "return (grad * y * (1.0 - y),)",
           "uses the diagonal of the softmax Jacobian only"),
    Mutant("log-softmax-without-shift", "activations.py",
           "shifted = d - d.max(axis=axis, keepdims=True)", "shifted = d",
           "log-sum-exp without subtracting the max"),
    # ---------------------------------------------------------------- 04 layers
    Mutant("linear-weight-grad-transposed", "nn/linear.py",
           "gw = g2.T @ x.data.reshape(-1, x.data.shape[-1])",
           "gw = x.data.reshape(-1, x.data.shape[-1]).T @ g2",
           "dL/dW computed as x^T g, the transpose of what Linear's (out, in) weight needs"),
    Mutant("linear-bias-grad-mean", "nn/linear.py", "gb = g2.sum(axis=0)", "gb = g2.mean(axis=0)",
           "averages the bias gradient over the batch instead of summing"),
    # ---------------------------------------------------------------- 05 losses
    Mutant("cross-entropy-backward-off-by-mean", "nn/losses.py",
           'scale = grad / n if reduction == "mean" else grad', "scale = grad",
           "forward is a mean over the batch, backward forgets the 1/N"),
    Mutant("cross-entropy-without-shift", "nn/losses.py",
           "shifted = z - z.max(axis=1, keepdims=True)", "shifted = z",
           "log-sum-exp overflows for large logits"),
    Mutant("cross-entropy-one-hot-wrong-index", "nn/losses.py",
           "g[np.arange(n), targets] -= 1.0", "g[:, targets] -= 1.0",
           "subtracts the one-hot from every row's target columns"),
    Mutant("mse-backward-missing-two", "nn/losses.py", "gp = 2.0 * diff * g", "gp = diff * g",
           "d(x^2)/dx taken as x"),
    # ---------------------------------------------------------------- 06 optimizers
    Mutant("adam-without-bias-correction", "optim/__init__.py",
           "step_size = lr / (1.0 - b1 ** t)\n        denom = np.sqrt(v / (1.0 - b2 ** t))",
           "step_size = lr\n        denom = np.sqrt(v)",
           "the first steps are far too small: m and v start at zero"),
    Mutant("sgd-weight-decay-sign", "optim/__init__.py", "g = g + wd * p\n        if mom:",
           "g = g - wd * p\n        if mom:",
           "weight decay pushes weights away from zero"),
    Mutant("sgd-nesterov-ignored", "optim/__init__.py",
           'g = g + mom * buf if group["nesterov"] else buf', "g = buf",
           "nesterov=True behaves like plain momentum"),
    # ---------------------------------------------------------------- 07 training
    Mutant("training-without-zero-grad", "training.py", "optimizer.zero_grad()\n", "\n",
           "gradients accumulate across steps"),
    Mutant("clip-grad-norm-without-root", "nn/utils.py", "** (1.0 / norm_type))", "** 1.0)",
           "compares the squared norm with max_norm"),
    Mutant("cosine-schedule-without-offset", "optim/lr_scheduler.py",
           "c = (1.0 + math.cos(math.pi * self.last_epoch / self.T_max)) / 2.0",
           "c = math.cos(math.pi * self.last_epoch / self.T_max)",
           "cos goes to -1, so the rate ends below eta_min"),
    Mutant("dataloader-ignores-shuffle", "data.py",
           "order = self._rng.permutation(n) if self.shuffle else np.arange(n)",
           "order = np.arange(n)", "shuffle=True still yields batches in order"),
    # ---------------------------------------------------------------- 08 convolutions
    Mutant("conv-padding-counted-once", "nn/conv.py", "return (size + 2 * p - k) // s + 1",
           "return (size + p - k) // s + 1", "output size counts padding on one side only"),
    Mutant("conv-weight-grad-mean-over-batch", "nn/conv.py",
           "gw = np.matmul(g, cols.transpose(0, 2, 1)).sum(axis=0)",
           "gw = np.matmul(g, cols.transpose(0, 2, 1)).mean(axis=0)",
           "averages the kernel gradient over the batch"),
    # ---------------------------------------------------------------- 09 normalization
    Mutant("layernorm-over-the-wrong-axes", "nn/normalization.py",
           "axes = tuple(range(x.ndim - nd, x.ndim))", "axes = tuple(range(nd))",
           "normalises over the leading axes instead of the feature axes"),
    Mutant("norm-backward-missing-xhat-term", "nn/normalization.py",
           "return inv_std * (g - mean_g - xhat * mean_gx)", "return inv_std * (g - mean_g)",
           "drops the gradient through the variance"),
    Mutant("batchnorm-running-var-biased", "nn/normalization.py",
           "running_var.data += momentum * var.reshape(-1) * (m / max(m - 1, 1))",
           "running_var.data += momentum * var.reshape(-1)",
           "stores the biased batch variance as the running estimate"),
    Mutant("dropout-without-rescaling", "nn/normalization.py",
           "mask = keep.astype(x.dtype) * np.asarray(1.0 / (1.0 - p), dtype=x.dtype)",
           "mask = keep.astype(x.dtype)", "the expected activation shrinks by 1 - p in training"),
    # ---------------------------------------------------------------- 10 tokenization
    Mutant("bpe-merges-the-rarest-pair", "tokenizers.py",
           "best = min(stats, key=lambda p: (-stats[p], p))",
           "best = max(stats, key=lambda p: (-stats[p], p))",
           "picks the least frequent pair to merge"),
    Mutant("bpe-merges-overlapping-pairs", "tokenizers.py",
           "hit &= (idx - run_start) % 2 == 0", "hit &= hit",
           "in a run like 'aaa' both overlapping pairs are merged"),
    # ---------------------------------------------------------------- 11 embeddings
    Mutant("embedding-backward-overwrites-repeats", "nn/embedding.py",
           "np.add.at(gw, ids.reshape(-1), grad.reshape(-1, w.shape[1]))",
           "gw[ids.reshape(-1)] = grad.reshape(-1, w.shape[1])",
           "a token used twice in a batch gets one gradient, not the sum"),
    Mutant("sinusoid-cos-for-sin", "nn/embedding.py", "table[:, 0::2] = np.sin(pos * freq)",
           "table[:, 0::2] = np.cos(pos * freq)", "even channels use cos as well"),
    # ---------------------------------------------------------------- 12 attention
    Mutant("attention-mask-inverted", "nn/attention.py",
           "scores = np.where(mask, -np.inf, scores)", "scores = np.where(mask, scores, -np.inf)",
           "masks the allowed positions and keeps the forbidden ones"),
    Mutant("causal-mask-off-by-one", "nn/attention.py",
           "return np.triu(np.ones((tq, tk), dtype=bool), k=1 + tk - tq)",
           "return np.triu(np.ones((tq, tk), dtype=bool), k=2 + tk - tq)",
           "each position may also see the next one"),
    Mutant("attention-without-scaling", "nn/attention.py",
           "scores *= np.asarray(scale, dtype=scores.dtype)",
           "scores *= np.asarray(1.0, dtype=scores.dtype)", "forgets the 1/sqrt(d) scale"),
    Mutant("attention-backward-softmax-diagonal", "nn/attention.py",
           "ds = probs * (dp - (dp * probs).sum(axis=-1, keepdims=True))", "ds = probs * dp",
           "softmax backward without the row-sum term"),
    # ---------------------------------------------------------------- 14 profiling
    Mutant("linear-flops-counts-macs", "profiler.py",
           "flops = 2 * rows * module.in_features * module.out_features",
           "flops = rows * module.in_features * module.out_features",
           "counts multiply-accumulates, not the two FLOPs each one costs"),
    Mutant("conv-flops-ignore-kernel-width", "profiler.py",
           "flops = 2 * module.in_channels * kh * kw * n_out",
           "flops = 2 * module.in_channels * kh * n_out", "forgets one kernel dimension"),
    # ---------------------------------------------------------------- 16 quantization
    Mutant("quantization-per-tensor-not-per-channel", "quantization.py",
           "others = tuple(i for i in range(a.ndim) if i != axis % a.ndim)",
           "others = tuple(range(a.ndim))", "one scale for the whole tensor"),
    Mutant("quantize-floor-not-round", "quantization.py",
           "q = np.round(_np(x) / scale) + zero_point", "q = np.floor(_np(x) / scale) + zero_point",
           "truncates instead of rounding: a half-step bias"),
    Mutant("quantize-without-clipping", "quantization.py",
           "return np.clip(q, QMIN, QMAX).astype(np.int8)", "return q.astype(np.int8)",
           "out-of-range values wrap around in int8"),
    Mutant("dequantize-forgets-zero-point", "quantization.py",
           "(scale * (q.astype(np.int32) - zero_point))", "(scale * q.astype(np.int32))",
           "asymmetric values come back shifted"),
    # ---------------------------------------------------------------- 17 compression
    Mutant("prune-keeps-the-smallest", "compression.py", "masks[n] = np.abs(p.data) > thr",
           "masks[n] = np.abs(p.data) <= thr", "removes the largest weights"),
    # ---------------------------------------------------------------- 19 benchmarking
    Mutant("pareto-ties-count-as-domination", "benchmarking.py",
           "dominated = (ge & gt).any(axis=0)", "dominated = ge.any(axis=0)",
           "a point 'dominates' itself or its equal, so the front comes out empty"),
    Mutant("latency-includes-warmup", "benchmarking.py",
           "for _ in range(warmup):\n        fn()\n    samples = []",
           "samples = []", "skips the warm-up runs, so cold-start time pollutes the samples"),
    # ---------------------------------------------------------------- 18 kv caching
    Mutant("kv-cache-position-off-by-one", "nn/transformer.py",
           "start = 0 if not past_kvs else past_kvs[0][0].shape[2]",
           "start = 0 if not past_kvs else past_kvs[0][0].shape[2] - 1",
           "a cached token gets the previous token's position", tested_by="18"),
    Mutant("kv-cache-bytes-without-values", "kvcache.py",
           "return 2 * len(model.blocks) * batch * seq_len * d_model * bytes_per_value",
           "return len(model.blocks) * batch * seq_len * d_model * bytes_per_value",
           "counts the keys but not the values"),
    # ---------------------------------------------------------------- 13 transformers
    Mutant("transformer-block-without-residual", "nn/transformer.py",
           "x = x + self.mlp(self.ln2(x))", "x = self.mlp(self.ln2(x))",
           "the MLP output replaces the stream instead of adding to it"),
    Mutant("top-k-keeps-the-smallest", "nn/transformer.py",
           "z = np.where(z < kth, -np.inf, z)", "z = np.where(z > kth, -np.inf, z)",
           "top-k sampling keeps the k least likely tokens"),
    # ---------------------------------------------------------------- 15 acceleration
    Mutant("im2col-channels-last-order", "acceleration.py",
           "return win.transpose(0, 2, 3, 1, 4, 5).reshape(n * oh * ow, c * kh * kw)",
           "return win.transpose(0, 2, 3, 4, 5, 1).reshape(n * oh * ow, c * kh * kw)",
           "flattens each patch channels-last while the kernel is flattened channels-first"),
)
