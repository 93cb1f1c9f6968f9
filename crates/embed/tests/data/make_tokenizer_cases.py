"""Writes tokenizer-cases.json: texts and the ids Hugging Face `tokenizers` gives them.

The reference for crates/embed's Rust tokenizer, beyond the 20 texts of wordllama-fixture.json:
edge cases (added tokens typed as text, control characters, a literal U+2581, long words,
combining marks, emoji sequences, other scripts) and seeded random texts. Run it with the
Python package `tokenizers` (0.23.3 was used, the version wordllama 0.4.0.post1 runs on) and the
model's tokenizer file:

    python3 make_tokenizer_cases.py ../../../../.models/wordllama-l2-supercat-256/l2_supercat_tokenizer_config.json
"""
import json
import random
import sys

import tokenizers
from tokenizers import Tokenizer

tok = Tokenizer.from_file(sys.argv[1])

edge = [
    "<s>", "</s>", "<unk>", "a<s>b", "hello </s> world", "<<s>>", "</s></s>", "<s", "s>", "<S>",
    "x <s> y", " <unk> ", "<s><s>", "text</s", "\x00", "a\x00b", "\x01\x02\x1f\x7f", "\r\n", "\r",
    "\u2581", "\u2581\u2581 \u2581", "a\u2581b", "\ufeffBOM", "e\u0301 vs \u00e9", "\U0001F468\u200d\U0001F469\u200d\U0001F467",
    "\U0001F1E9\U0001F1EA flags", "\U0001D518\U0001D52B\U0001D526\U0001D520\U0001D52C\U0001D521\U0001D522",
    "مرحبا بالعالم", "שָׁלוֹם\u200f", "안녕하세요 세계", "สวัสดีชาวโลก", "Ｆｕｌｌｗｉｄｔｈ", "\t\tindented\n\n",
    "a" * 500, "ab" * 150, "Supercalifragilisticexpialidocious" * 3, " " * 40, "\n" * 10,
    "PostgreSQL, pgvector & HNSW: k8s/Kubernetes; Rust (tokio, axum).", "über-naïve façade", "1234567890 3.14159 -42",
    "https://example.com/path?q=1&r=2#frag", "user_name-with.dots", "`code` **bold** _it_ [link](x)",
    "\u00a0\u2009\u202f\u3000 spaces", "\u200b\u200c\u200d", "\ud7ff\ue000\uffff", "\U0010FFFF",
]
rng = random.Random(20240610)
alphabet = (
    [chr(c) for c in range(0x20, 0x7f)] * 3
    + list("éüßçñøåæœ中文日本語한국어ру́сскийΕλληνικά😀🚀✨👍🏽\u2581\u00a0\n\t\x00")
    + ["<s>", "</s>", "<unk>", "  ", "ing", "tion", " the", " Kube", "rnetes"]
)
random_texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 60))) for _ in range(300)]

cases = [{"text": t, "ids": tok.encode(t, add_special_tokens=False).ids} for t in edge + random_texts]
with open("tokenizer-cases.json", "w", encoding="utf-8") as f:
    f.write('{"tokenizers": "%s", "cases": [\n' % tokenizers.__version__)
    f.write(",\n".join(json.dumps(c, ensure_ascii=False) for c in cases))
    f.write("\n]}\n")
