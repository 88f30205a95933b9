"""A reward for `dpo align --oracle command`: the share of a response's words that are liked.

Reads one JSON line {"prompt": ..., "response": ...} per pair on standard input and answers one
line {"reward": x} each, in order (standard library only). Replace the body of `reward` with your
own scorer, e.g. a reward model.
"""

import json
import sys

LIKED = {"happily", "park", "tree", "sang", "jumped"}


def reward(prompt, response):
    words = response.split()
    return sum(w in LIKED for w in words) / max(1, len(words))


for line in sys.stdin:
    pair = json.loads(line)
    print(json.dumps({"reward": reward(pair["prompt"], pair["response"])}), flush=True)
