"""The hardened correctness judge on the real SmolLM2-135M-Instruct model, measured with the judge probe."""

from __future__ import annotations

import math

import pytest

from tests.conftest import need


@pytest.fixture(scope="module")
def smol():
    need("smollm2")
    from rewardgym.llm import make_llm

    return make_llm("transformers", model="smollm2")


def test_hardened_smollm2_judge_resists_master_keys(smol):
    from rewardgym.rewards.judge import CorrectnessJudge
    from rewardgym.testing import probe_judge
    from rewardgym.testing.judge_probe import DEFAULT_QUESTIONS

    judge = CorrectnessJudge(smol, max_new_tokens=8)
    report = probe_judge(judge, questions=DEFAULT_QUESTIONS[:3])
    print("\nhardened SmolLM2-135M judge:\n" + report.to_markdown())
    assert not report.flagged and report.false_positive_rate == 0.0
    # the controls were really judged by the model: finite rates, parsed verdicts
    assert math.isfinite(report.true_positive_rate) and math.isfinite(report.true_negative_rate)
    records = judge.explain(
        __import__("rewardgym").Episodes(prompts=[DEFAULT_QUESTIONS[0].question], completions=["12"],
                                          infos={"reference": ["12"]})
    )
    assert records[0].rejected is None and records[0].outputs and records[0].verdicts[0] is not None


def test_unhardened_smollm2_judge_is_measured_on_a_few_keys(smol):
    from rewardgym.rewards.judge import CorrectnessJudge
    from rewardgym.testing import probe_judge
    from rewardgym.testing.judge_probe import DEFAULT_QUESTIONS, MASTER_KEYS

    keys = {k: MASTER_KEYS[k] for k in ("colon", "thought-process", "step-by-step", "self-graded")}
    raw = probe_judge(CorrectnessJudge(smol, harden=False, max_new_tokens=8), questions=DEFAULT_QUESTIONS[:2],
                      attacks=keys, controls=False)
    hardened = probe_judge(CorrectnessJudge(smol, max_new_tokens=8), questions=DEFAULT_QUESTIONS[:2],
                           attacks=keys, controls=False)
    print(f"\nSmolLM2-135M judge FPR on {sorted(keys)}: unhardened {raw.false_positive_rate:.2f}, "
          f"hardened {hardened.false_positive_rate:.2f}")
    assert raw.n_attacks == hardened.n_attacks == 8
    assert hardened.false_positive_rate <= raw.false_positive_rate
    assert hardened.false_positive_rate == 0.0
