"""Verifiable rewards computed from the outcome itself (no model in the loop), e.g. ``text/bleu-v0``.

Each reward lives in its own module and registers itself on import (see ``rewardgym.rewards.builtin``).
"""
