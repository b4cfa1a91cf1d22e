"""``baselines/grpo.py``: GRPO math against plain-torch references, multi-turn masking, a tiny end-to-end run."""

from __future__ import annotations

import pytest
import torch

from rewardgym.reproduce.grpo import load_grpo, trl_reward_func
from rewardgym.rewards.base import FunctionReward
from tests.conftest import need

grpo = load_grpo()


# ------------------------------------------------------------------------------------------ references
def ref_advantages(rewards: list[float], groups: list[int], scale_std: bool, eps: float = 1e-4) -> list[float]:
    out = []
    for r, g in zip(rewards, groups):
        members = [x for x, h in zip(rewards, groups) if h == g]
        mean = sum(members) / len(members)
        std = (sum((x - mean) ** 2 for x in members) / len(members)) ** 0.5
        out.append((r - mean) / (std + eps) if scale_std else r - mean)
    return out


def ref_loss(logp, old, adv, mask, *, eps_lo, eps_hi, ref=None, beta=0.0, agg="token") -> float:
    """The GRPO objective token by token, in Python floats."""
    per_seq, all_tokens = [], []
    for b in range(len(logp)):
        toks = []
        for t in range(len(logp[b])):
            if not mask[b][t]:
                continue
            ratio = torch.tensor(logp[b][t] - old[b][t], dtype=torch.float64).exp().item()
            clipped = min(max(ratio, 1 - eps_lo), 1 + eps_hi)
            value = -min(ratio * adv[b], clipped * adv[b])
            if ref is not None and beta:
                d = ref[b][t] - logp[b][t]
                value += beta * (torch.tensor(d, dtype=torch.float64).exp().item() - d - 1)
            toks.append(value)
        all_tokens += toks
        per_seq.append(sum(toks) / max(len(toks), 1))
    return sum(all_tokens) / len(all_tokens) if agg == "token" else sum(per_seq) / len(per_seq)


def fixed_inputs():
    g = torch.Generator().manual_seed(0)
    logp = -torch.rand(4, 6, generator=g) * 3
    old = logp + torch.randn(4, 6, generator=g) * 0.4  # ratios far from 1: both clip sides are hit
    ref = logp + torch.randn(4, 6, generator=g) * 0.3
    adv = torch.tensor([1.5, -0.7, 0.2, -1.0])
    mask = torch.tensor([[0, 1, 1, 1, 0, 0], [1, 1, 1, 1, 1, 1], [0, 0, 0, 1, 0, 0], [1, 0, 1, 0, 1, 0]]).bool()
    return logp, old, ref, adv, mask


# ------------------------------------------------------------------------------------------ math
@pytest.mark.parametrize("scale_std", [True, False])
def test_advantages_match_a_plain_reference(scale_std):
    rewards = [0.0, 1.0, 0.5, 0.5, 2.0, 0.0, 3.0, 1.0, 1.0]
    groups = [0, 0, 0, 1, 1, 1, 2, 2, 2]  # group 2 has a repeated value, group 1 a zero mean
    got = grpo.group_advantages(torch.tensor(rewards), torch.tensor(groups), scale_std)
    assert got.tolist() == pytest.approx(ref_advantages(rewards, groups, scale_std), abs=1e-5)


def test_advantages_of_a_constant_group_are_zero():
    got = grpo.group_advantages(torch.tensor([1.0, 1.0, 0.0, 1.0]), torch.tensor([0, 0, 1, 1]), True)
    assert got[:2].tolist() == [0.0, 0.0] and got[2] < 0 < got[3]


@pytest.mark.parametrize("agg", ["token", "sequence"])
@pytest.mark.parametrize("beta", [0.0, 0.05])
@pytest.mark.parametrize("eps_hi", [None, 0.28])
def test_loss_matches_a_plain_reference(agg, beta, eps_hi):
    logp, old, ref, adv, mask = fixed_inputs()
    loss, stats = grpo.grpo_loss(logp, old, adv, mask, clip_eps=0.2, clip_eps_high=eps_hi, ref_logp=ref,
                                 kl_coef=beta, loss_agg=agg)
    expected = ref_loss(logp.tolist(), old.tolist(), adv.tolist(), mask.tolist(), eps_lo=0.2,
                        eps_hi=0.2 if eps_hi is None else eps_hi, ref=ref.tolist(), beta=beta, agg=agg)
    assert float(loss) == pytest.approx(expected, rel=1e-5, abs=1e-6)
    assert 0 < stats["clip_frac"] < 1


def test_loss_gradient_is_the_advantage_on_policy():
    """With old = logp (one update per batch) the ratio is 1 and d loss / d logp = -A / n_tokens."""
    logp, _, _, adv, mask = fixed_inputs()
    logp = logp.clone().requires_grad_(True)
    loss, _ = grpo.grpo_loss(logp, logp.detach(), adv, mask, loss_agg="token")
    loss.backward()
    expected = torch.where(mask, -adv.unsqueeze(1) / mask.sum(), torch.zeros(()))
    assert torch.allclose(logp.grad, expected, atol=1e-6)


def test_loss_rejects_an_unknown_aggregation():
    logp, old, _, adv, mask = fixed_inputs()
    with pytest.raises(ValueError, match="loss_agg must be 'token' or 'sequence'"):
        grpo.grpo_loss(logp, old, adv, mask, loss_agg="mean")


# ------------------------------------------------------------------------------------------ models
@pytest.fixture(scope="module")
def tokenizer():
    need("smollm2")
    from transformers import AutoTokenizer

    from rewardgym.llm.models import smollm2_path

    return AutoTokenizer.from_pretrained(str(smollm2_path()), local_files_only=True)


@pytest.fixture(scope="module")
def tiny_model_dir(tokenizer, tmp_path_factory):
    """A randomly initialised 2-layer Llama with SmolLM2's real tokenizer, saved as a local checkpoint."""
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(0)
    cfg = LlamaConfig(vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                      num_attention_heads=2, num_key_value_heads=2, max_position_embeddings=1024,
                      eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id,
                      bos_token_id=tokenizer.bos_token_id, tie_word_embeddings=True)
    path = tmp_path_factory.mktemp("tiny-llama")
    LlamaForCausalLM(cfg).save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


def test_token_logprobs_match_a_full_log_softmax(tiny_model_dir):
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(tiny_model_dir)
    ids = torch.randint(0, 1000, (3, 9), generator=torch.Generator().manual_seed(1))
    attn = torch.ones_like(ids)
    attn[2, 7:] = 0
    mask = torch.zeros_like(ids, dtype=torch.bool)
    mask[0, 4:8], mask[1, 2:4], mask[1, 6:9], mask[2, 5:7] = True, True, True, True
    got = grpo.token_logprobs(model, ids, attn, mask)
    full = torch.log_softmax(model(input_ids=ids, attention_mask=attn).logits.double(), -1)[:, :-1]
    want = full.gather(-1, ids[:, 1:].unsqueeze(-1)).squeeze(-1) * mask[:, 1:]
    assert got.shape == (3, 8)
    assert torch.allclose(got.double(), want, atol=1e-5)


# ------------------------------------------------------------------------------------------ multi-turn
class ScriptedSampler:
    """Test double at the generation boundary: replies with fixed token ids, turn by turn."""

    def __init__(self, turns: list[list[int]]) -> None:
        self.turns, self.calls = turns, 0

    def sample(self, prompts, *, max_new_tokens, temperature, seed):
        from rewardgym.llm.sampling import Sample

        ids = self.turns[min(self.calls, len(self.turns) - 1)]
        self.calls += 1
        return [Sample(list(ids), finished=True) for _ in prompts]

    def sync(self, model):
        pass


def test_multi_turn_episode_masks_exactly_the_policy_tokens(tokenizer):
    """Referential game: a vague first message makes the scripted listener ask back; the second names the target."""
    from rewardgym.llm.tasks import make_task

    task = make_task("referential", env_kwargs={"hard": True, "n_candidates": 4, "max_turns": 4})
    seed = task.keys("eval", 1)[0]
    target = task.first_observations([seed])[0].split("The target is: ")[1].split(".")[0]
    eos = tokenizer.eos_token_id
    first = [*tokenizer.encode("Hmm, let me think.", add_special_tokens=False), eos]
    second = tokenizer.encode(f"The {target}.", add_special_tokens=False)  # cut off: no end-of-turn token
    sampler = ScriptedSampler([first, second])
    (ep,) = task.rollout(sampler, tokenizer, [seed], group_size=1, max_new_tokens=32, temperature=1.0, seed=0)
    assert ep.turns == 2 and ep.reward == 1.0 and ep.success == 1.0
    assert ep.terms["dialogue/referential-accuracy-v0"] == 1.0
    # token by token: the policy's ids sit where the mask is 1, and nowhere else
    runs, start = [], None
    for i, m in enumerate([*ep.mask, 0]):
        if m and start is None:
            start = i
        if not m and start is not None:
            runs.append((start, i))
            start = None
    assert [ep.ids[a:b] for a, b in runs] == [first, second]
    # the masked-out text is the chat template around the turns, with the listener's question inside
    between = tokenizer.decode(ep.ids[runs[0][1] : runs[1][0]])
    assert between.startswith("\n<|im_start|>user\n") and between.endswith("<|im_start|>assistant\n")
    assert "listener_0: Which one is it?" in between
    assert tokenizer.decode(ep.ids[: runs[0][0]]).endswith("<|im_start|>assistant\n")
    # the whole sequence is exactly the chat template's tokenization of the conversation
    messages = [{"role": "user", "content": task.first_observations([seed])[0]},
                {"role": "assistant", "content": "Hmm, let me think."}]
    rendered = tokenizer.apply_chat_template(messages, tokenize=False)
    assert ep.ids[: len(tokenizer.encode(rendered))] == tokenizer.encode(rendered)


def test_phrase_task_scores_through_the_bleu_reward(tokenizer):
    from rewardgym.llm.tasks import make_task

    task = make_task("phrase-bleu")
    key = task.keys("train", 1)[0]
    exact = [*tokenizer.encode(task.phrase(key), add_special_tokens=False), tokenizer.eos_token_id]
    (ep,) = task.rollout(ScriptedSampler([exact]), tokenizer, [key], group_size=1, max_new_tokens=16,
                         temperature=1.0, seed=0)
    assert ep.reward == pytest.approx(1.0) and ep.success == 1.0 and ep.terms["text/bleu-v0"] == ep.reward
    assert ep.ids[-len(exact) :] == exact and sum(ep.mask) == len(exact) and ep.mask[-len(exact) :] == [1] * len(exact)
    assert set(task.keys("eval", task.n_eval)).isdisjoint(task.keys("train", task.n_train))


# ------------------------------------------------------------------------------------------ end to end
def length_reward():
    return FunctionReward(lambda b: torch.tensor([len(c) / 40 for c in b.completions]), name="length")


@pytest.mark.slow
def test_tiny_end_to_end_moves_parameters_and_resumes(tiny_model_dir, tmp_path):
    from transformers import AutoModelForCausalLM

    before = {k: v.clone() for k, v in AutoModelForCausalLM.from_pretrained(tiny_model_dir).state_dict().items()}
    cfg = grpo.GRPOConfig(model=str(tiny_model_dir), reward=length_reward(), steps=2, prompts_per_step=2,
                          group_size=4, max_new_tokens=6, temperature=1.0, learning_rate=1e-3, eval_prompts=2,
                          eval_every=1, log_dir=str(tmp_path), run_name="tiny", checkpoint_every=1,
                          progress=False, kl_coef=0.1, update_epochs=2, minibatches=2)
    result = grpo.train(cfg)
    assert result.eval_steps == [0, 1, 2] and len(result.train_reward) == 2
    assert all(torch.isfinite(torch.tensor(result.train_reward)))
    assert torch.isfinite(torch.tensor(result.extra["final_loss"]))
    state = torch.load(tmp_path / "tiny" / "checkpoint.pt", weights_only=False)
    assert state["step"] == 2
    moved = [k for k, v in state["model"].items() if not torch.equal(v, before[k])]
    assert len(moved) == len(before)  # every parameter tensor took a step
    assert any((tmp_path / "tiny").glob("events.out.tfevents.*"))
    again = grpo.train(grpo.GRPOConfig(**{**cfg.__dict__, "steps": 3, "resume": True}))
    assert again.eval_steps == [0, 1, 2, 3] and len(again.train_reward) == 3
    assert torch.load(tmp_path / "tiny" / "checkpoint.pt", weights_only=False)["step"] == 3


def test_config_checks_and_cli_flags():
    from rewardgym.errors import EnvConfigError

    cfg = grpo.parse_args(["--task", "referential", "--kl-coef", "0.05", "--loss-agg", "sequence",
                           "--no-scale-std", "--task-kwargs", '{"env_kwargs": {"max_turns": 2}}'])
    assert (cfg.task, cfg.kl_coef, cfg.loss_agg, cfg.scale_std) == ("referential", 0.05, "sequence", False)
    assert cfg.task_kwargs == {"env_kwargs": {"max_turns": 2}}
    with pytest.raises(EnvConfigError, match="group_size must be >= 2"):
        grpo.train(grpo.GRPOConfig(group_size=1))


def test_trl_reward_adapter_scores_text_completions_through_the_task():
    from rewardgym.llm.tasks import make_task

    task = make_task("phrase-bleu")
    func = trl_reward_func(task)
    keys = task.keys("eval", 2)
    prompts = [r["prompt"] for r in task.trl_rows(keys)]
    completions = [[{"role": "assistant", "content": task.phrase(keys[0])}],
                   [{"role": "assistant", "content": "something else"}]]
    refs = [r["references"] for r in task.trl_rows(keys)]
    assert func(prompts=prompts, completions=completions, key=keys, references=refs) == pytest.approx([1.0, 0.0])
    assert func.__name__ == "text/bleu-v0"


def test_trl_reward_adapter_plays_the_env_for_env_tasks():
    from rewardgym.llm.tasks import make_task

    task = make_task("referential", env_kwargs={"hard": True, "n_candidates": 4, "max_turns": 2})
    func = trl_reward_func(task)
    keys = task.keys("eval", 2)
    targets = [o.split("The target is: ")[1].split(".")[0] for o in task.first_observations(keys)]
    completions = [[{"role": "assistant", "content": f"The {targets[0]}."}],
                   [{"role": "assistant", "content": "I cannot say."}]]
    assert func(prompts=[r["prompt"] for r in task.trl_rows(keys)], completions=completions, key=keys) == [1.0, 0.0]
