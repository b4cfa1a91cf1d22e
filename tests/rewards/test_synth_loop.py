"""The synthesis loop with a scripted LLM (a test double at the LLM boundary) and real sandboxed runs."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

import rewardgym
from rewardgym.errors import RewardSpecError
from rewardgym.llm import ScriptedLLM
from rewardgym.rewards.synthesized import (
    AgreementFitness,
    RewardSynthesizer,
    describe_env,
    extract_code,
    load_synthesized,
    register_synthesized,
    save_result,
)
from tests.rewards import synth_candidates as C
from tests.rewards import synth_fixtures

executor = synth_fixtures.executor
maze_batch = synth_fixtures.maze_batch
sandbox = synth_fixtures.sandbox

REFERENCE = {"sum": {"maze/goal-v0": 1.0, "maze/distance-potential-v0": 1.0}}


def scripted_designer() -> ScriptedLLM:
    """Round 1 offers ROUND_1, later rounds (whose prompt carries the reflection) ROUND_2."""

    def reply(prompt: str, i: int) -> str:
        pool = C.ROUND_2 if "The best reward so far" in prompt else C.ROUND_1
        return pool[i % len(pool)]

    return ScriptedLLM(fn=reply, model_name="scripted-designer")


@pytest.fixture(scope="module")
def spec():
    return describe_env("rewardgym/Maze-v0", env_kwargs={"size": 5})


def run_loop(spec, executor, iterations=2):
    llm = scripted_designer()
    fitness = AgreementFitness(REFERENCE, n_steps=400, executor=executor)
    synth = RewardSynthesizer(llm, spec, fitness, executor=executor, samples=7, rollout_steps=200)
    return synth.run(iterations), llm


@pytest.fixture(scope="module")
def outcome(spec, executor):
    return run_loop(spec, executor)


def test_each_kind_of_candidate_gets_the_right_status(outcome):
    result, _ = outcome
    first = {c.index: c for c in result.candidates if c.iteration == 0}
    statuses = [first[i].status for i in range(7)]
    errors = [c.error for c in first.values()]
    assert statuses == ["ok", "runtime", "ok", "runtime", "static", "static", "no-code"], errors
    assert "ZeroDivisionError" in first[1].error
    assert "timed out" in first[3].error
    assert "import of 'os'" in first[4].error
    assert "__class__" in first[5].error
    assert first[0].fitness < first[2].fitness  # weak < good
    assert math.isnan(first[1].fitness) and math.isnan(first[4].fitness)
    assert not Path("/tmp/pwned").exists()


def test_the_good_candidate_wins_and_improves_over_rounds(outcome):
    result, _ = outcome
    h = result.history
    assert h[0]["best_fitness"] == result.candidates[2].fitness  # round 1: GOOD
    assert h[1]["best_fitness"] > h[0]["best_fitness"]  # round 2: BETTER beats it
    assert h[1]["best_so_far"] >= h[0]["best_so_far"]
    assert result.best is not None and (result.best.iteration, result.best.index) == (1, 1)
    assert result.best.source == extract_code(C.BETTER)
    assert result.best.term_stats["goal"]["max"] <= 1.0
    assert set(result.best.term_stats) == {"total", "progress", "goal"}


def test_round_two_prompt_carries_the_reflection(outcome):
    _, llm = outcome
    assert len(llm.calls) == 2
    first, second = (call["chats"][0] for call in llm.calls)
    assert "The best reward so far" not in first[-1]["content"]
    feedback = second[-1]["content"]
    assert extract_code(C.GOOD) in feedback
    assert "ZeroDivisionError" in feedback and "timed out" in feedback
    assert "progress: mean" in feedback


def test_the_loop_is_deterministic(outcome, spec, executor):
    again, _ = run_loop(spec, executor)
    first, _ = outcome
    assert [(c.status, c.fitness) for c in again.candidates] == [(c.status, c.fitness) for c in first.candidates]
    assert again.best.code_sha256 == first.best.code_sha256


def test_save_register_and_load_with_provenance(outcome, tmp_path, executor, maze_batch):
    result, _ = outcome
    folder = save_result(result, tmp_path / "maze")
    record = json.loads((folder / "provenance.json").read_text())
    assert record["model"] == "scripted-designer" and record["env_id"] == "rewardgym/Maze-v0"
    assert record["code_sha256"] == result.best.code_sha256
    assert [h["iteration"] for h in record["fitness_history"]] == [0, 1]
    assert record["prompt"][0]["role"] == "system"
    lines = (folder / "candidates.jsonl").read_text().splitlines()
    assert len(lines) == 14 and json.loads(lines[4])["status"] == "static"
    name = register_synthesized(folder, "test-maze")
    reward = rewardgym.make_reward(name, executor=executor)
    assert reward.provenance["best"]["fitness"] == result.best.fitness
    assert reward(maze_batch).shape == (len(maze_batch),)
    (folder / "reward.py").write_text((folder / "reward.py").read_text() + "\n# edited\n")
    with pytest.raises(RewardSpecError, match="SHA-256"):
        load_synthesized(folder)


def test_nothing_to_save_when_every_candidate_fails(spec, executor, tmp_path):
    llm = ScriptedLLM([C.MALICIOUS, C.CRASHING])
    synth = RewardSynthesizer(llm, spec, AgreementFitness(REFERENCE, n_steps=100, executor=executor),
                              executor=executor, samples=2, rollout_steps=50)
    result = synth.run(1)
    assert result.best is None and [c.status for c in result.candidates] == ["static", "runtime"]
    with pytest.raises(RewardSpecError, match="no candidate"):
        save_result(result, tmp_path / "none")
    assert (tmp_path / "none" / "candidates.jsonl").exists()
