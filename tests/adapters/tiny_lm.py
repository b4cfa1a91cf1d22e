"""A tiny randomly initialised causal LM and its BPE tokenizer, built offline in about a second."""

from __future__ import annotations

from typing import Any

CORPUS = [
    "what is one plus two", "the answer is 3", "three", "print hello world", "def f(x): return x + 1",
    "add the numbers", "hello", "yes", "no", "0 1 2 3 4 5 6 7 8 9",
]


def tiny_tokenizer_and_model(seed: int = 0) -> tuple[Any, Any]:
    """(tokenizer, model): a byte-level BPE of ~300 tokens and a 2-layer Llama with 32-wide hidden states."""
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    raw = Tokenizer(models.BPE(unk_token="<unk>"))
    raw.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    raw.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=300, special_tokens=["<unk>", "<pad>", "<eos>"], initial_alphabet=pre_tokenizers.ByteLevel.alphabet()
    )
    raw.train_from_iterator(CORPUS * 5, trainer)
    tok = PreTrainedTokenizerFast(tokenizer_object=raw, unk_token="<unk>", pad_token="<pad>", eos_token="<eos>")
    config = LlamaConfig(
        vocab_size=len(tok), hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=2,
        num_key_value_heads=2, max_position_embeddings=128, pad_token_id=tok.pad_token_id,
        eos_token_id=tok.eos_token_id, bos_token_id=None,
    )
    torch.manual_seed(seed)
    return tok, LlamaForCausalLM(config)
