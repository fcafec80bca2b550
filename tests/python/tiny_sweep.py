"""The small scenario the sweep process tests vary: a 4-layer GPT on H100s that simulates in milliseconds."""

BASE = """\
name: tiny
hardware: {gpu: H100-SXM5-80GB, gpus: 4}
workload:
  model: {family: gpt, layers: 4, hidden: 1024, heads: 16, vocab: 32000, seq_len: 1024}
  global_batch: 64
  micro_batch: 2
training: {steps: 1000}
policies: [static, pass-dvfs]
"""
