// Transformer families (GPT-style decoder, BERT-style encoder) as per-layer kernel lists.
//
// Per layer and microbatch (b samples, s tokens, hidden h, a heads of size d = h/a, kv KV heads, FFN size
// f, tensor-parallel degree t), the forward GEMM FLOPs are 2·b·s·h·(h + 2·kv·d)/t (QKV), 4·b·s²·h/t
// (attention scores and values), 2·b·s·h²/t (output projection) and 2·b·s·h·f·m/t (FFN, m = 2 for GeLU,
// 3 for SwiGLU). For GPT with kv = a and f = 4h this is 24·b·s·h² + 4·b·s²·h per layer, and with the
// language-model head 2·b·s·h·V the step totals Megatron's 72·B·s·l·h²·(1 + s/6h + V/12lh) without
// recomputation (Narayanan et al. SC'21, Eq. 3 with 3 passes instead of 4): a test checks it.
// Layer norms, softmax, activations, dropout and residual adds are vector kernels bound by HBM traffic.
#include <string>

#include "workload/layer_builder.hpp"
#include "workload/model_family.hpp"

namespace wattsim {

namespace {

struct Dims {
  double b, s, h, a, kv, d, f, v, t;  // s: this rank's tokens of a sequence (s_full / cp)
  bool sp;                            // sequence parallelism
  double ep = 1;                      // expert parallelism
  double cp = 1;                      // context parallelism
  double s_full = 0;                  // the whole sequence, which attention's keys span
  // Share of the tokens a rank's norms, dropouts and residual adds touch: 1/t with sequence parallelism.
  double token_share() const { return sp ? 1.0 / t : 1.0; }
};

Dims dims_of(const ModelSpec& m, const MicrobatchShape& shape) {
  const double h = m.hidden;
  const double a = m.heads;
  return Dims{static_cast<double>(shape.micro_batch),
              static_cast<double>(shape.seq_len) / shape.cp,
              h,
              a,
              static_cast<double>(m.kv_heads > 0 ? m.kv_heads : m.heads),
              h / a,
              static_cast<double>(m.ffn_hidden),
              static_cast<double>(m.vocab),
              static_cast<double>(shape.tp),
              shape.sequence_parallel && shape.tp > 1,
              static_cast<double>(shape.ep),
              static_cast<double>(shape.cp),
              static_cast<double>(shape.seq_len)};
}

// Megatron's conjugate operators around a tensor-parallel region (Shoeybi et al. 2019; with sequence
// parallelism, Korthikanti et al. 2022): entering it, identity forward and all-reduce backward (all-gather
// forward and reduce-scatter backward with SP); leaving it, all-reduce forward and identity backward
// (reduce-scatter forward and all-gather backward with SP). The message is the b·s·h activation.
void enter_tensor_parallel(LayerBuilder& L, const std::string& label, const Dims& x) {
  if (x.t <= 1) return;
  const double bytes = L.bytes_per_element() * x.b * x.s * x.h;
  if (x.sp) L.tensor_collective(label + ".all_gather", Pass::Forward, CollectiveKind::AllGather, bytes);
  L.tensor_collective(label + (x.sp ? ".reduce_scatter" : ".all_reduce"), Pass::Backward,
                      x.sp ? CollectiveKind::ReduceScatter : CollectiveKind::AllReduce, bytes);
}

void leave_tensor_parallel(LayerBuilder& L, const std::string& label, const Dims& x) {
  if (x.t <= 1) return;
  const double bytes = L.bytes_per_element() * x.b * x.s * x.h;
  L.tensor_collective(label + (x.sp ? ".reduce_scatter" : ".all_reduce"), Pass::Forward,
                      x.sp ? CollectiveKind::ReduceScatter : CollectiveKind::AllReduce, bytes);
  if (x.sp) L.tensor_collective(label + ".all_gather", Pass::Backward, CollectiveKind::AllGather, bytes);
}

void attention_block(LayerBuilder& L, const Dims& x, bool flash, bool causal) {
  const double e = L.bytes_per_element();
  const double tokens = x.b * x.s;
  const double qkv_width = x.h + 2.0 * x.kv * x.d;
  enter_tensor_parallel(L, "attention.tp_in", x);
  L.weight_gemm("qkv", tokens, x.h, qkv_width / x.t);
  L.add_parameters(qkv_width / x.t, true);  // bias, column-parallel
  const double score_flops = 2.0 * x.b * x.s * x.s_full * x.h / x.t;
  const std::size_t core = L.forward_count();
  // Context parallelism (ring attention, Liu et al. 2023; Megatron-Core's CP): the rank's queries meet
  // every chunk of keys and values as they pass around the CP ring, each pass overlapped with the
  // attention of the chunk before: an all-gather of K and V forward; backward K and V again and the
  // reduce-scatter of their gradients, twice the bytes. Causal work is balanced over the ranks (each holds
  // two mirrored chunks), so each runs half its share.
  const double kv_bytes = L.bytes_per_element() * x.b * x.s_full * 2.0 * x.kv * x.d / x.t;
  if (x.cp > 1) {
    L.group_collective("attention.cp_ring", Pass::Forward, CommGroup::Context, CollectiveKind::AllGather,
                       kv_bytes);
  }
  if (flash) {
    // One fused kernel (FlashAttention): reads Q, K, V and writes the output; scores stay on chip. With a
    // causal mask it skips the blocks above the diagonal, about half the work (Dao 2023, FlashAttention-2).
    TensorShape fused;
    fused.attention_sequence = x.s;
    L.activation_gemm("attention", 2.0 * score_flops, e * tokens * (qkv_width + x.h) / x.t, fused, fused,
                      causal ? 0.5 : 1.0);
    if (x.cp > 1)  // in backward order it runs beside attention.bwd
      L.group_collective("attention.cp_ring.bwd", Pass::Backward, CommGroup::Context,
                         CollectiveKind::AllGather, 2.0 * kv_bytes);
  } else {
    // One batched product per head: S = Q·Kᵀ (s×d by d×s), then O = P·V (s×s by s×d). Backward: dQ = dS·K
    // and dK = dSᵀ·Q (both s×d, depth s); dP = dO·Vᵀ (s×s, depth d) and dV = Pᵀ·dO (s×d, depth s), priced
    // as the pair's dV shape twice.
    const double heads = x.b * x.a / x.t;
    const double scores = heads * x.s * x.s;
    const TensorShape gradient{x.s, x.d, x.s, 2.0 * heads};
    L.activation_gemm("attention.scores", score_flops, e * (tokens * 2.0 * x.h / x.t + scores),
                      {x.s, x.s, x.d, heads}, gradient);
    L.vector("attention.softmax", KernelKind::Reduction, scores, 1, 2, 5);  // mask, softmax, dropout mask
    L.activation_gemm("attention.values", score_flops, e * (scores + 2.0 * tokens * x.h / x.t),
                      {x.s, x.d, x.s, heads}, gradient);
  }
  L.mark_attention_core(core);
  L.weight_gemm("attention.proj", tokens, x.h / x.t, x.h);
  L.add_parameters(x.h, false);  // bias of a row-parallel layer: replicated
  leave_tensor_parallel(L, "attention.tp_out", x);
  // Bias, dropout and residual add: backward, the gradient through the dropout mask (the residual's is
  // the same tensor): gradient, mask, one write.
  L.vector("attention.residual", KernelKind::Elementwise, tokens * x.h * x.token_share(), 2, 1, 2, 3);
}

void ffn_block(LayerBuilder& L, const Dims& x, bool gated) {
  const double tokens = x.b * x.s;
  const double up = (gated ? 2.0 : 1.0) * x.f / x.t;
  enter_tensor_parallel(L, "ffn.tp_in", x);
  L.weight_gemm(gated ? "ffn.gate_up" : "ffn.fc1", tokens, x.h, up);
  if (gated) {
    L.vector("ffn.swiglu", KernelKind::Elementwise, tokens * x.f / x.t, 2, 1, 4);
  } else {
    L.add_parameters(up, true);
    L.vector("ffn.gelu", KernelKind::Elementwise, tokens * x.f / x.t, 1, 1, 8);
  }
  L.weight_gemm(gated ? "ffn.down" : "ffn.fc2", tokens, x.f / x.t, x.h);
  if (!gated) L.add_parameters(x.h, false);
  leave_tensor_parallel(L, "ffn.tp_out", x);
  L.vector("ffn.residual", KernelKind::Elementwise, tokens * x.h * x.token_share(), 2, 1, 2, 3);
}

// A mixture-of-experts FFN (Megatron-Core's MoE layer with balanced routing): a router GEMM (replicated on
// the TP ranks) and its top-k; the token copies permuted by expert and sent to the ranks holding their
// experts (all-to-all over the EP group, e·c·k·tokens·h bytes from each rank); each rank runs its E/ep
// experts as one grouped GEMM over the c·k·tokens rows it received (c the capacity factor: padded rows
// run but are not model FLOPs); the outputs return (all-to-all) and are unpermuted into the weighted sum
// of each token's k. The backward mirrors both all-to-alls. Experts are split over TP as a dense FFN is.
void moe_block(LayerBuilder& L, const ModelSpec& m, const Dims& x) {
  const double tokens = x.b * x.s;
  const double experts = m.experts, routed = tokens * m.top_k, rows = routed * m.capacity_factor;
  const double f = m.moe_ffn_hidden, up = (m.gated_ffn ? 2.0 : 1.0) * f / x.t;
  const double message = L.bytes_per_element() * rows * x.h;
  enter_tensor_parallel(L, "moe.tp_in", x);
  L.weight_gemm("moe.router", tokens, x.h, experts, false);
  L.vector("moe.router.top_k", KernelKind::Reduction, tokens * experts, 1, 1, 5);
  L.vector("moe.permute", KernelKind::Elementwise, routed * x.h, 1, 1, 1);
  for (Pass pass : {Pass::Forward, Pass::Backward})
    L.group_collective(pass == Pass::Forward ? "moe.dispatch" : "moe.dispatch.bwd", pass, CommGroup::Expert,
                       CollectiveKind::AllToAll, message);
  const double per_expert = rows * x.ep / experts, local = experts / x.ep;
  L.expert_gemm(m.gated_ffn ? "moe.gate_up" : "moe.fc1", per_expert, x.h, up, local, x.ep,
                1.0 / m.capacity_factor);
  if (m.gated_ffn)
    L.vector("moe.swiglu", KernelKind::Elementwise, rows * f / x.t, 2, 1, 4);
  else
    L.vector("moe.gelu", KernelKind::Elementwise, rows * f / x.t, 1, 1, 8);
  L.expert_gemm("moe.down", per_expert, f / x.t, x.h, local, x.ep, 1.0 / m.capacity_factor);
  for (Pass pass : {Pass::Forward, Pass::Backward})
    L.group_collective(pass == Pass::Forward ? "moe.combine" : "moe.combine.bwd", pass, CommGroup::Expert,
                       CollectiveKind::AllToAll, message);
  L.vector("moe.unpermute", KernelKind::Elementwise, routed * x.h, 2, 1, 2);
  leave_tensor_parallel(L, "moe.tp_out", x);
  L.vector("ffn.residual", KernelKind::Elementwise, tokens * x.h * x.token_share(), 2, 1, 2, 3);
}

void norm(LayerBuilder& L, const std::string& label, const Dims& x, bool with_bias) {
  L.vector(label, KernelKind::Reduction, x.b * x.s * x.h * x.token_share(), 1, 1, 8);
  L.add_parameters(with_bias ? 2.0 * x.h : x.h, false);  // replicated on every TP rank
}

void embedding(LayerBuilder& L, const ModelSpec& m, const Dims& x, bool bert) {
  const double tokens = x.b * x.s;
  L.vector("embedding.lookup", KernelKind::Elementwise, tokens * x.h, m.learned_positions ? 2 : 1, 1, 1);
  L.add_parameters(x.v * x.h / x.t, true);  // vocabulary-parallel
  if (m.learned_positions) L.add_parameters(m.seq_len * x.h, false);
  leave_tensor_parallel(L, "embedding.tp_out", x);  // vocabulary-parallel embedding
  if (bert) {
    L.add_parameters(2.0 * x.h, false);  // token-type embeddings
    norm(L, "embedding.norm", x, true);
  }
}

// The loss over the logits in fp32, as mixed-precision training computes softmax and its reductions
// (Micikevicius et al. 2018), pass by pass as Megatron-LM's vocabulary-parallel cross-entropy runs it:
// forward, cast the logits to fp32 (e + 4 bytes per element), max over the vocabulary (4), subtract it
// (4 + 4), exp in place (4 + 4), sum (4), divide into the softmax kept for the backward (4 + 4); backward,
// scale the softmax by the incoming gradient in place (4 + 4) and cast it back (4 + e). Training in fp32
// skips both casts. The reductions over the TP group are scalars per token, left out.
void cross_entropy(LayerBuilder& L, double logits) {
  const double e = L.bytes_per_element();
  const double cast = e == 4.0 ? 0.0 : e + 4.0;
  L.streamed("loss.cross_entropy", KernelKind::Reduction, logits, cast + 4 + 8 + 8 + 4 + 8, 8 + cast, 5);
}

void lm_head(LayerBuilder& L, const ModelSpec& m, const Dims& x, bool bert) {
  const double tokens = x.b * x.s;
  if (bert) {
    // Masked-LM transform: dense + GeLU + norm before the vocabulary projection; pooler for the NSP task.
    // These small layers are replicated on the TP ranks.
    L.weight_gemm("mlm.transform", tokens, x.h, x.h, false);
    L.add_parameters(x.h, false);
    L.vector("mlm.gelu", KernelKind::Elementwise, tokens * x.h, 1, 1, 8);
    norm(L, "mlm.norm", x, true);
    L.weight_gemm("pooler", x.b, x.h, x.h, false);
    L.add_parameters(x.h + 2.0 * x.h + 2.0, false);  // pooler bias, NSP classifier
    L.add_parameters(x.v / x.t, true);               // decoder bias, vocabulary-parallel
  } else {
    norm(L, "final.norm", x, m.biases);
  }
  enter_tensor_parallel(L, "lm_head.tp_in", x);
  L.weight_gemm("lm_head", tokens, x.h, x.v / x.t);
  if (m.tied_embeddings) L.add_parameters(-x.h * x.v / x.t, true);  // shares the embedding matrix
  cross_entropy(L, tokens * x.v / x.t);
}

// Activation memory per layer and microbatch (Korthikanti et al. 2022, Table 2, 16-bit elements):
// s·b·h·(10 + 24/t + 5·a·s/(h·t)) without recomputation, the 10 becoming 10/t with sequence parallelism;
// selective recomputation drops the attention core's 5·a·s/(h·t) term (as FlashAttention does, which
// keeps no s² scores); full recomputation keeps only the layer input, 2·s·b·h (÷ t with SP).
void set_block_activations(Layer& layer, const Dims& x, bool flash, double e) {
  const double sbh = x.s * x.b * x.h * (e / 2.0);
  const double shared = x.sp ? 10.0 / x.t : 10.0;
  const double attention = flash ? 0.0 : 5.0 * x.a * x.s / (x.h * x.t);
  layer.activation_bytes[static_cast<int>(Recompute::None)] = sbh * (shared + 24.0 / x.t + attention);
  layer.activation_bytes[static_cast<int>(Recompute::Selective)] = sbh * (shared + 24.0 / x.t);
  layer.activation_bytes[static_cast<int>(Recompute::Full)] = sbh * 2.0 * x.token_share();
}

Workload build_transformer(const ModelSpec& m, const MicrobatchShape& shape, bool bert) {
  const Dims x = dims_of(m, shape);
  const double e = shape.bytes_per_element;
  Workload w;
  w.samples_per_microbatch = x.b / x.cp;  // cp ranks share each sample
  w.tokens_per_sample = x.s_full;
  {
    LayerBuilder L(w, "embedding", e, shape.tp, shape.structured_sparsity);
    embedding(L, m, x, bert);
  }
  for (int i = 0; i < m.layers; ++i) {
    {
      LayerBuilder L(w, "block." + std::to_string(i), e, shape.tp, shape.structured_sparsity,
                     shape.fp8_linear);
      if (bert) {  // post-norm
        attention_block(L, x, shape.flash_attention, false);
        norm(L, "attention.norm", x, true);
        ffn_block(L, x, m.gated_ffn);
        norm(L, "ffn.norm", x, true);
      } else {  // pre-norm
        norm(L, "attention.norm", x, m.biases);
        attention_block(L, x, shape.flash_attention, true);
        norm(L, "ffn.norm", x, m.biases);
        if (m.experts > 0)
          moe_block(L, m, x);
        else
          ffn_block(L, x, m.gated_ffn);
      }
    }
    set_block_activations(w.layers.back(), x, shape.flash_attention, e);
    if (m.experts > 0) {
      // The FFN's activations once per routed, padded token copy instead of once per token: its input,
      // the activation function's input and the down projection's input, (h + up + f/t)·e bytes a copy.
      const double up = (m.gated_ffn ? 2.0 : 1.0) * m.moe_ffn_hidden / x.t;
      const double extra =
          e * x.b * x.s * (m.top_k * m.capacity_factor - 1.0) * (x.h + up + m.moe_ffn_hidden / x.t);
      for (Recompute kept : {Recompute::None, Recompute::Selective})
        w.layers.back().activation_bytes[static_cast<int>(kept)] += extra;  // full keeps the input only
    }
  }
  {
    LayerBuilder L(w, "head", e, shape.tp, shape.structured_sparsity);
    lm_head(L, m, x, bert);
  }
  // The head keeps its input and the logits (16-bit, plus fp32 for the loss) until its backward.
  for (double& bytes : w.layers.back().activation_bytes) bytes = e * x.b * x.s * (x.h + 3.0 * x.v / x.t);
  w.finalize();
  return w;
}

}  // namespace

void register_transformer_families(ModelFamilyRegistry& registry) {
  auto params = [](bool bert) {
    return [bert](const ModelSpec& m) {
      MicrobatchShape shape;
      shape.seq_len = m.seq_len;
      const Workload w = build_transformer(m, shape, bert);
      return w.parameters;
    };
  };
  registry.add({"gpt", "decoder-only transformer (GPT, Llama): pre-norm, causal attention, LM head",
                [](const ModelSpec& m, const MicrobatchShape& s) { return build_transformer(m, s, false); },
                params(false), "sequence"});
  registry.add({"bert", "encoder-only transformer (BERT): post-norm, masked-LM and NSP heads",
                [](const ModelSpec& m, const MicrobatchShape& s) { return build_transformer(m, s, true); },
                params(true), "sequence"});
}

}  // namespace wattsim
