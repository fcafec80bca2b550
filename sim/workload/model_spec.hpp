#pragma once
// The architecture of a model, as read from models/workloads/*.yaml or given inline in a scenario.
#include <string>
#include <vector>

namespace wattsim {

struct ModelSpec {
  std::string name;
  std::string family;  // a registered family: gpt, bert, resnet
  std::string description;
  std::string file;

  // Transformers
  int layers = 0;
  int hidden = 0;
  int heads = 0;
  int kv_heads = 0;  // grouped-query attention; equal to heads for multi-head attention
  int ffn_hidden = 0;
  int vocab = 0;
  int seq_len = 0;  // default sequence length; a scenario may override
  bool tied_embeddings = true;
  bool gated_ffn = false;  // SwiGLU (three FFN matrices) instead of GeLU (two)
  bool learned_positions = true;
  bool biases = true;  // GPT/BERT carry biases and LayerNorm shifts; Llama-style models do not
  // Mixture of experts (Shazeer et al. 2017; Fedus et al. 2022): every block's FFN is `experts` FFNs of
  // `moe_ffn_hidden`, each token routed to `top_k` of them; expert buffers padded to capacity_factor × the
  // balanced load. 0 experts: dense.
  int experts = 0;
  int top_k = 2;
  int moe_ffn_hidden = 0;
  double capacity_factor = 1.0;

  // CNNs (bottleneck ResNets)
  std::vector<int> stage_blocks;
  int image_size = 224;
  int classes = 1000;
  int base_width = 64;

  // Convergence to the target loss (docs/physics.md; McCandlish et al. 2018, Kaplan et al. 2020): a run at
  // global batch B needs S(B) = min_steps · (1 + critical_batch / B) steps. 0: not known.
  double dataset_samples = 0;  // samples in one epoch of the training set; 0: not given
  double critical_batch = 0;   // B_noise, in samples
  double min_steps = 0;        // S_min
  double steps_to_target(double batch) const {
    return critical_batch > 0 && min_steps > 0 ? min_steps * (1.0 + critical_batch / batch) : 0.0;
  }
};

// What a scenario asks of the model for one microbatch.
struct MicrobatchShape {
  int micro_batch = 1;  // samples
  int seq_len = 0;      // tokens per sample (transformers)
  double bytes_per_element = 2;
  bool flash_attention = true;
  int tp = 1;                      // tensor-parallel degree: GEMMs and heads split this many ways
  bool sequence_parallel = false;  // norms and dropouts split over the TP group too (Korthikanti et al.)
  // 2:4 structured sparsity of the weights (NVIDIA Ampere and later): sparse tensor cores skip half of a
  // weight GEMM's multiply-adds (Mishra et al. 2021); activation products and weight gradients stay dense.
  bool structured_sparsity = false;
  // FP8 linear layers in the transformer blocks (Transformer Engine's recipe; the embedding, the head and
  // the attention core stay in 16 bits).
  bool fp8_linear = false;
  int ep = 1;  // expert-parallel degree: an MoE layer's experts spread over this many ranks
  int cp = 1;  // context-parallel degree: each sequence split over this many ranks (ring attention)
};

}  // namespace wattsim
