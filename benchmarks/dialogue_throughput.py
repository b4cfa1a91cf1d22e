"""Dialogue env throughput: rewardgym `negotiation-v0` against TextArena `SimpleNegotiation-v0`, same run.

Both play 10-turn two-player negotiations with fixed scripted messages (an offer, then a refusal,
alternating; neither accepts, so every episode runs all 10 turns), resets included, and report turns/s:

- TextArena ``SimpleNegotiation-v0-raw`` (``pip install textarena``): the peer;
- rewardgym ``negotiation-v0``, Parallel API (PettingZoo ``ParallelEnv``);
- the same env in its AEC form (``parallel_to_aec``), every agent stepped each turn;
- the Parallel env with a composed per-agent reward through the reward API (``rewardgym.wrap``).

Each configuration runs for at least ``--seconds`` after a warm-up; the best of ``--repeats`` is kept.

Usage:
    python benchmarks/dialogue_throughput.py            # about 30 s
    python benchmarks/dialogue_throughput.py --quick    # a few seconds
"""

from __future__ import annotations

import argparse
import os
import platform
import time
import warnings
from collections.abc import Callable

TURNS = 10
OURS = ['I would like these. PROPOSE {"books": 1, "hats": 1, "balls": 0}', "No thanks. REJECT"]
PEER = ["I would like these. [Offer: 1 Wheat -> 1 Wood]", "No thanks. [Deny]"]
SPEC = {"sum": {"dialogue/negotiation-value-v0": 1.0, "dialogue/malformed-v0": -0.1}}


def timed(episode: Callable[[int], int], seconds: float) -> float:
    """Turns/s of ``episode(seed) -> turns`` run repeatedly for ``seconds``."""
    episode(0)
    turns, seed, start = 0, 1, time.perf_counter()
    while time.perf_counter() - start < seconds:
        turns += episode(seed)
        seed += 1
    return turns / (time.perf_counter() - start)


def textarena_episode() -> Callable[[int], int] | None:
    try:
        import textarena as ta
    except ImportError:
        return None
    env = ta.make("SimpleNegotiation-v0-raw")

    def run(seed: int) -> int:
        env.reset(num_players=2, seed=seed)
        done, n = False, 0
        while not done:
            env.get_observation()
            done, _ = env.step(PEER[n % 2])
            n += 1
        env.close()
        return n

    return run


def parallel_episode(reward: object = None) -> Callable[[int], int]:
    from rewardgym.envs import dialogue

    env = dialogue.make("negotiation-v0", max_turns=TURNS, reward=reward)

    def run(seed: int) -> int:
        _, infos = env.reset(seed=seed)
        n = 0
        while env.agents:
            speaker = infos["agent_0"]["speaker"]
            _, _, _, _, infos = env.step({speaker: OURS[n % 2]})
            n += 1
        return n

    return run


def aec_episode() -> Callable[[int], int]:
    from rewardgym.envs import dialogue

    env = dialogue.make("negotiation-v0", max_turns=TURNS, aec=True)

    def run(seed: int) -> int:
        env.reset(seed=seed)
        n = 0
        for _agent in env.agent_iter():
            _, _, term, trunc, info = env.last()
            if term or trunc:
                env.step(None)
                continue
            env.step(OURS[n % 2] if info["your_turn"] else "")
            n += info["your_turn"]
        return n

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.seconds, args.repeats = 0.5, 1
    warnings.simplefilter("ignore")
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPU(s), load {os.getloadavg()[0]:.2f}")
    configs: dict[str, Callable[[int], int] | None] = {
        "TextArena SimpleNegotiation-v0 (peer)": textarena_episode(),
        "rewardgym negotiation-v0, Parallel": parallel_episode(),
        "rewardgym negotiation-v0, AEC": aec_episode(),
        "rewardgym negotiation-v0, Parallel + reward": parallel_episode(SPEC),
    }
    results = {}
    for name, episode in configs.items():
        if episode is None:
            print(f"{name:48s} skipped (pip install textarena)")
            continue
        results[name] = max(timed(episode, args.seconds) for _ in range(args.repeats))
    peer = results.get("TextArena SimpleNegotiation-v0 (peer)")
    for name, rate in results.items():
        ratio = f"{rate / peer:6.2f}x peer" if peer else ""
        print(f"{name:48s} {rate:10.0f} turns/s  {ratio}")


if __name__ == "__main__":
    main()
