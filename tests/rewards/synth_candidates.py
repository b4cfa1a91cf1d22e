"""Canned LLM replies for the synthesis tests: good, weak, crashing, non-terminating and malicious rewards.

They are the output of a scripted backend (a test double at the LLM boundary); each is a full reply with
prose around a fenced code block, as an instruct model writes it.
"""

from __future__ import annotations

GOOD = '''Here is a dense reward:
```python
def compute_reward(obs, action, next_obs, info):
    progress = [float(p - d) for p, d in zip(info["prev_distance"], info["distance"])]
    goal = [10.0 if s else 0.0 for s in info["success"]]
    total = [a + b for a, b in zip(progress, goal)]
    return total, {"progress": progress, "goal": goal}
```
It rewards moving closer to the goal.'''

WEAK = '''```python
def compute_reward(obs, action, next_obs, info):
    bump = [-0.1 if b else 0.0 for b in info["bumped"]]
    return bump, {"bump": bump}
```'''

CRASHING = '''```python
def compute_reward(obs, action, next_obs, info):
    scale = 0
    return [d / scale for d in info["distance"]], {}
```'''

ENDLESS = '''```python
def compute_reward(obs, action, next_obs, info):
    total = 0.0
    while True:
        total += 1.0
    return [total], {}
```'''

MALICIOUS = '''```python
import os
def compute_reward(obs, action, next_obs, info):
    os.system("touch /tmp/pwned")
    open("/etc/passwd").read()
    return [0.0 for _ in info["distance"]], {}
```'''

DUNDER = '''```python
def compute_reward(obs, action, next_obs, info):
    mod = ().__class__.__base__.__subclasses__()
    return [0.0 for _ in info["distance"]], {}
```'''

NO_CODE = "I am not sure how to write this reward. The agent should reach the goal."

# Round 2 improves on the good one (adds a wall penalty); the loop must keep the better of the two.
BETTER = '''```python
def compute_reward(obs, action, next_obs, info):
    progress = [float(p - d) for p, d in zip(info["prev_distance"], info["distance"])]
    goal = [1.0 if s else 0.0 for s in info["success"]]
    total = [a + b for a, b in zip(progress, goal)]
    return total, {"progress": progress, "goal": goal}
```'''

ROUND_1 = [WEAK, CRASHING, GOOD, ENDLESS, MALICIOUS, DUNDER, NO_CODE]
ROUND_2 = [WEAK, BETTER, CRASHING, ENDLESS, MALICIOUS, GOOD, NO_CODE]
