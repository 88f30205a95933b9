"""Writes a small English corpus, supervised prompt/completion rows and a prompt list.

Stand-ins for your own files in the README's "Align your own model" walkthrough:
  corpus.txt    one sentence per line, for `dpo tokenizer train` and `dpo lm train` (pretraining)
  sft.jsonl     {"prompt", "completion"} rows, for `dpo lm train` (supervised fine-tuning)
  prompts.txt   one prompt per line, for `dpo align` and `dpo eval`

Usage: python3 make_data.py [FOLDER]   (standard library only; the same files on every run)
"""

import json
import random
import sys
from pathlib import Path

SUBJECTS = ["the cat", "the dog", "a bird", "my friend", "the child", "an old man"]
VERBS = ["sat on", "ran to", "looked at", "walked past", "jumped over", "sang near"]
OBJECTS = ["the mat", "the park", "a tree", "the house", "the river", "a small hat"]
ENDINGS = ["happily", "slowly", "today", "again", "at night", "in the rain"]


def rest(rng):
    return f"{rng.choice(VERBS)} {rng.choice(OBJECTS)} {rng.choice(ENDINGS)} ."


def main():
    out = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(1)
    with open(out / "corpus.txt", "w", encoding="utf-8") as f:
        for _ in range(3000):
            f.write(f"{rng.choice(SUBJECTS)} {rest(rng)}\n")
    with open(out / "sft.jsonl", "w", encoding="utf-8") as f:
        for _ in range(600):
            row = {"prompt": rng.choice(SUBJECTS), "completion": " " + rest(rng)}
            f.write(json.dumps(row) + "\n")
    with open(out / "prompts.txt", "w", encoding="utf-8") as f:
        for _ in range(300):
            f.write(rng.choice(SUBJECTS) + "\n")


if __name__ == "__main__":
    main()
