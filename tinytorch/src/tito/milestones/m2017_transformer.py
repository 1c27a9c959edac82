"""2017: attention learns to move information between positions.

Two tasks. Reversal: the model reads ``x1..x6 SEP`` and must write ``x6..x1``; each output
position has to find ONE specific input position, which is exactly what attention does (an
MLP or an RNN of this size struggles). Then a character-level language model on a short shipped
text: its loss falls and its samples move from noise towards English-looking words.
"""

from __future__ import annotations

import numpy as np

from . import Result
from .data import corpus, reversal

LENGTH, VOCAB = 6, 8


def train_reversal(seed: int = 0, steps: int = 150):
    import tinytorch as tt
    from tinytorch import nn

    tt.manual_seed(seed)
    model = nn.GPT(VOCAB + 1, context_length=2 * LENGTH + 1, d_model=48, num_heads=4,
                   num_layers=2)
    opt = tt.optim.Adam(model.parameters(), lr=3e-3)
    rng = np.random.default_rng(seed)
    for _ in range(steps):
        seq = reversal(64, LENGTH, VOCAB, seed=int(rng.integers(1 << 30)))
        opt.zero_grad()
        logits = model(seq[:, :-1])[:, LENGTH:, :]  # predictions after SEP
        loss = nn.functional.cross_entropy(logits, seq[:, LENGTH + 1 :])
        loss.backward()
        opt.step()
    test = reversal(500, LENGTH, VOCAB, seed=10_000 + seed)
    out = model.generate(test[:, : LENGTH + 1], LENGTH, temperature=0.0).data[:, LENGTH + 1 :]
    return model, float((out == test[:, LENGTH + 1 :]).mean()), float(loss.item())


def train_char_lm(seed: int = 0, steps: int = 120, context: int = 32):
    from tinytorch.tokenizers import CharTokenizer

    import tinytorch as tt
    from tinytorch import nn

    text = corpus()
    tok = CharTokenizer(text)
    ids = np.array(tok.encode(text), dtype=np.int64)
    tt.manual_seed(seed)
    model = nn.GPT(tok.vocab_size, context_length=context, d_model=64, num_heads=4,
                   num_layers=2)
    opt = tt.optim.Adam(model.parameters(), lr=3e-3)
    rng = np.random.default_rng(seed)
    prompt = np.array([tok.encode("the ")])

    def sample() -> str:
        return tok.decode(model.generate(prompt, 40, temperature=0.8, seed=seed).data[0])

    before = sample()
    losses = []
    for _ in range(steps):
        starts = rng.integers(0, len(ids) - context - 1, size=32)
        batch = ids[starts[:, None] + np.arange(context + 1)]
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(batch[:, :-1]), batch[:, 1:])
        loss.backward()
        opt.step()
        losses.append(float(loss.item()))
    return model, tok, losses, before, sample()


def run(seed: int = 0) -> Result:
    _, token_acc, _ = train_reversal(seed)
    _, _, losses, before, after = train_char_lm(seed)
    first, last = float(np.mean(losses[:10])), float(np.mean(losses[-10:]))
    notes = [f"reversal token accuracy: {token_acc:.3f}",
             f"char LM loss: {first:.3f} -> {last:.3f}",
             f"sample before training: {before!r}",
             f"sample after training:  {after!r}"]
    passed = token_acc >= 0.95 and last < 0.8 * first
    return Result(passed, {"reversal_token_accuracy": token_acc, "lm_loss_start": first,
                           "lm_loss_end": last}, notes=notes)
