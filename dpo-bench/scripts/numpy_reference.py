#!/usr/bin/env python3
"""The exact DPO step of docs/method.md §3 written the textbook way in NumPy, for comparison with
`./dpo bench bandit --mode exact` on the same machine and size.

One step, for X prompts of Y responses, builds the Y x Y tables of every prompt: the sampler
weights W = C / sum C (DPO-Mix-P: C = 2 + e^u + e^-u, u = beta h), the soft Bradley-Terry labels,
the loss and its gradient dL/dtheta_y = beta sum_y' [G(y, y') - G(y', y)]. Prints one JSON line
like the bench command: pair_evals_per_second = X * Y * Y / seconds_per_step.

Usage: python3 dpo-bench/scripts/numpy_reference.py [--prompts 256] [--responses 512] [--seconds 3]
"""
import argparse
import json
import time

import numpy as np


def log_sigmoid(x):
    return -np.logaddexp(0.0, -x)


def step(theta, rewards, beta, lr):
    log_pi = theta - np.logaddexp.reduce(theta, axis=1, keepdims=True)
    h = log_pi[:, :, None] - log_pi[:, None, :]
    u = beta * h
    c = 2.0 + np.exp(u) + np.exp(-u)
    w = c / c.sum(axis=(1, 2), keepdims=True)
    p = 1.0 / (1.0 + np.exp(-(rewards[:, :, None] - rewards[:, None, :])))
    loss = -(w * (p * log_sigmoid(u) + (1 - p) * log_sigmoid(-u))).sum(axis=(1, 2)).mean()
    g = w * (1.0 / (1.0 + np.exp(-u)) - p)
    grad = beta * (g.sum(axis=2) - g.sum(axis=1))
    return theta - lr * grad, loss


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--prompts", type=int, default=256)
    ap.add_argument("--responses", type=int, default=512)
    ap.add_argument("--beta", type=float, default=3.0)
    ap.add_argument("--seconds", type=float, default=3.0)
    args = ap.parse_args()
    rng = np.random.default_rng(1234567)
    rewards = rng.standard_normal((args.prompts, args.responses))
    theta = 0.3 * rng.standard_normal((args.prompts, args.responses))
    # Warm-up, then time whole steps for at least --seconds.
    step(theta, rewards, args.beta, 1e-3)
    n, start = 0, time.perf_counter()
    while n < 2 or time.perf_counter() - start < args.seconds:
        step(theta, rewards, args.beta, 1e-3)
        n += 1
    seconds = (time.perf_counter() - start) / n
    print(json.dumps({
        "variant": "numpy-reference",
        "sampler": "dpo-mix-p",
        "prompts": args.prompts,
        "responses": args.responses,
        "numpy": np.__version__,
        "seconds_per_step": seconds,
        "steps_timed": n,
        "pair_evals_per_second": args.prompts * args.responses ** 2 / seconds,
    }))


if __name__ == "__main__":
    main()
